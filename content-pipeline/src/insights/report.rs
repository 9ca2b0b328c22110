//! The strategist report: an audit of the account (what works, what to post
//! more of, when) with a summary written from the figures, or by the
//! language model when configured.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use persona_core::{InsightsTask, Metric};
use serde::{Deserialize, Serialize};
use store_traits::AccountId;

use super::audience::DemographicShift;
use super::growth::Growth;
use super::hours::{HourSlot, heat_map};
use super::posts::{PostPerformance, PostRanking, Topic, top_posts, top_topics};
use crate::config::ReportWriter;
use crate::network::metric;

/// Posts, topics and hours a report lists.
const LISTED: usize = 3;
/// Words of a post quoted in a summary.
const QUOTED_WORDS: usize = 8;
/// A share change (percentage points) worth a sentence.
const NOTABLE_SHIFT_POINTS: f64 = 0.5;

/// An audit of an account over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StrategistReport {
    /// The account.
    pub account_id: AccountId,
    /// Start of the period.
    pub since: DateTime<Utc>,
    /// End of the period.
    pub until: DateTime<Utc>,
    /// The account's zone (hours and days are read in it).
    pub time_zone: Tz,
    /// Growth over the period.
    pub growth: Growth,
    /// Growth over the period of the same length just before, when any
    /// snapshot covers it.
    pub previous: Option<Growth>,
    /// Posts published in the period that have figures.
    pub posts_measured: usize,
    /// Their mean engagement rate (a fraction).
    pub mean_engagement_rate: Option<f64>,
    /// The best posts (by interactions).
    pub top_posts: Vec<PostPerformance>,
    /// The topics of what works.
    pub top_topics: Vec<Topic>,
    /// The best weekday × hour cells.
    pub best_hours: Vec<HourSlot>,
    /// How the audience (by country) moved over the period, when two
    /// snapshots of it exist.
    pub audience_shift: Option<DemographicShift>,
    /// What works, one finding a line.
    pub what_works: Vec<String>,
    /// What to post more of, one suggestion a line.
    pub post_more_of: Vec<String>,
    /// When to post, one suggestion a line.
    pub when_to_post: Vec<String>,
    /// The summary for the account owner.
    pub summary: String,
    /// Who wrote the summary.
    pub written_by: ReportWriter,
    /// Why the model's summary was not used, when it failed (the offline
    /// summary is kept then).
    pub writer_error: Option<String>,
}

/// `12345` → `"12,345"`.
fn thousands(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if value < 0 { format!("-{out}") } else { out }
}

fn percent(fraction: f64) -> String {
    format!("{:.1}%", fraction * 100.0)
}

/// The first words of a post, for quoting.
fn opening(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = words
        .iter()
        .take(QUOTED_WORDS)
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    if words.len() > QUOTED_WORDS {
        out.push('…');
    }
    out
}

fn term_label(topic: &Topic) -> String {
    if topic.is_tag {
        format!("#{}", topic.term)
    } else {
        topic.term.clone()
    }
}

/// `["a", "b", "c"]` → `"a, b and c"`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

impl StrategistReport {
    /// Composes the report from its figures, with the offline summary:
    /// `growth` over the period, `previous` over the period before it,
    /// `posts` published in the period with their figures, and the
    /// audience's shift. The same figures always give the same text.
    pub fn compose(
        account_id: AccountId,
        growth: Growth,
        previous: Option<Growth>,
        posts: &[PostPerformance],
        audience_shift: Option<DemographicShift>,
    ) -> StrategistReport {
        let zone = growth.time_zone;
        let rates: Vec<f64> = posts
            .iter()
            .filter_map(PostPerformance::engagement_rate)
            .collect();
        let mean_rate = (!rates.is_empty()).then(|| rates.iter().sum::<f64>() / rates.len() as f64);
        let best = top_posts(posts, LISTED, PostRanking::Engagements);
        let topics = top_topics(posts, LISTED);
        let hours = heat_map(posts, zone).best(LISTED);

        let mut what_works = Vec::new();
        if let (Some(topic), Some(mean)) = (topics.first(), mean_rate) {
            what_works.push(format!(
                "Posts about {} engage {:.1}× your average ({} against {}, {} posts).",
                term_label(topic),
                topic.lift,
                percent(topic.engagement_rate),
                percent(mean),
                topic.posts
            ));
        }
        if let Some(post) = best.first() {
            let rate = post
                .engagement_rate()
                .map(|r| format!(", {} of its views", percent(r)))
                .unwrap_or_default();
            what_works.push(format!(
                "Your best post, \"{}\", drew {} interactions{rate}.",
                opening(&post.post.text),
                thousands(post.engagements())
            ));
        }

        let mut post_more_of = Vec::new();
        if !topics.is_empty() {
            let labels: Vec<String> = topics.iter().map(term_label).collect();
            post_more_of.push(format!("Post more about {}.", and_list(&labels)));
        }
        if let Some(post) = best.first() {
            let tag = post
                .post
                .topic_tag
                .as_deref()
                .map(|t| format!(" (#{})", t.trim_start_matches('#')))
                .unwrap_or_default();
            post_more_of.push(format!(
                "Reuse the format of your best post{tag}: \"{}\".",
                opening(&post.post.text)
            ));
        }

        let mut when_to_post = Vec::new();
        if let Some((first, rest)) = hours.split_first() {
            let mut line = format!(
                "Your best hour is {} ({}): {} engagement over {} post{}",
                first.label(),
                zone.name(),
                percent(first.engagement_rate),
                first.posts,
                if first.posts == 1 { "" } else { "s" }
            );
            if !rest.is_empty() {
                let others: Vec<String> = rest.iter().map(HourSlot::label).collect();
                line.push_str(&format!("; then {}", and_list(&others)));
            }
            line.push('.');
            when_to_post.push(line);
        }

        let mut report = StrategistReport {
            account_id,
            since: growth.since,
            until: growth.until,
            time_zone: zone,
            posts_measured: posts.len(),
            mean_engagement_rate: mean_rate,
            top_posts: best,
            top_topics: topics,
            best_hours: hours,
            audience_shift,
            what_works,
            post_more_of,
            when_to_post,
            summary: String::new(),
            written_by: ReportWriter::Offline,
            writer_error: None,
            growth,
            previous,
        };
        report.summary = report.offline_summary();
        report
    }

    fn growth_line(&self) -> String {
        let g = &self.growth;
        let mut line = format!(
            "From {} to {}: {} views",
            g.since.with_timezone(&self.time_zone).format("%Y-%m-%d"),
            g.until.with_timezone(&self.time_zone).format("%Y-%m-%d"),
            thousands(g.total(metric::VIEWS))
        );
        if let Some(previous) = &self.previous {
            let before = previous.total(metric::VIEWS);
            if before > 0 {
                let change = (g.total(metric::VIEWS) - before) as f64 / before as f64 * 100.0;
                let direction = if change >= 0.0 { "up" } else { "down" };
                line.push_str(&format!(
                    " ({direction} {:.0}% on the period before)",
                    change.abs()
                ));
            }
        }
        line.push_str(&format!(
            ", {} likes and {} replies.",
            thousands(g.total(metric::LIKES)),
            thousands(g.total(metric::REPLIES))
        ));
        match (g.followers_start, g.followers_end) {
            (Some(start), Some(end)) if start != end => line.push_str(&format!(
                " Followers went from {} to {} ({:+}).",
                thousands(start),
                thousands(end),
                end - start
            )),
            (_, Some(end)) => {
                line.push_str(&format!(" Followers: {} (no change).", thousands(end)));
            }
            _ => {}
        }
        line
    }

    fn offline_summary(&self) -> String {
        let mut lines = vec![self.growth_line()];
        match self.mean_engagement_rate {
            Some(rate) => lines.push(format!(
                "{} post{} measured, with an average engagement rate of {}.",
                self.posts_measured,
                if self.posts_measured == 1 { "" } else { "s" },
                percent(rate)
            )),
            None => lines.push(
                "No post of this period has figures yet: publish, and read this again after the next snapshot."
                    .to_owned(),
            ),
        }
        if !self.what_works.is_empty() {
            lines.push(format!("What works: {}", self.what_works.join(" ")));
        }
        if !self.post_more_of.is_empty() {
            lines.push(format!("Post more of: {}", self.post_more_of.join(" ")));
        }
        if !self.when_to_post.is_empty() {
            lines.push(format!("When: {}", self.when_to_post.join(" ")));
        }
        if let Some(gain) = self
            .audience_shift
            .as_ref()
            .and_then(DemographicShift::biggest_gain)
            .filter(|c| c.share_change_points() >= NOTABLE_SHIFT_POINTS)
        {
            lines.push(format!(
                "Audience: the share of followers from {} grew from {} to {}.",
                gain.key,
                percent(gain.share_before),
                percent(gain.share_after)
            ));
        }
        lines.join("\n")
    }

    /// The figures as a summary task for a language model (persona-core's
    /// `insights_summary` prompt): the period's counts with the previous
    /// period's, the engagement rate, the best hour and topic (as named
    /// figures), and the best posts' texts.
    pub fn insights_task(&self) -> InsightsTask {
        let previous = |name: &str| self.previous.as_ref().map(|p| p.total(name) as f64);
        let mut metrics: Vec<Metric> = [
            metric::VIEWS,
            metric::LIKES,
            metric::REPLIES,
            metric::REPOSTS,
            metric::QUOTES,
        ]
        .iter()
        .map(|name| Metric::new(*name, self.growth.total(name) as f64, previous(name)))
        .collect();
        if let Some(end) = self.growth.followers_end {
            metrics.push(Metric::new(
                "followers",
                end as f64,
                self.growth.followers_start.map(|s| s as f64),
            ));
        }
        if let Some(rate) = self.mean_engagement_rate {
            metrics.push(Metric::new(
                "engagement rate (percent)",
                (rate * 1_000.0).round() / 10.0,
                None,
            ));
        }
        if let Some(slot) = self.best_hours.first() {
            metrics.push(Metric::new(
                format!(
                    "engagement rate (percent) of posts published {} {}",
                    slot.label(),
                    self.time_zone.name()
                ),
                (slot.engagement_rate * 1_000.0).round() / 10.0,
                None,
            ));
        }
        if let Some(topic) = self.top_topics.first() {
            metrics.push(Metric::new(
                format!(
                    "engagement rate (percent) of posts about {}",
                    term_label(topic)
                ),
                (topic.engagement_rate * 1_000.0).round() / 10.0,
                None,
            ));
        }
        let period = format!(
            "from {} to {}",
            self.since.with_timezone(&self.time_zone).format("%Y-%m-%d"),
            self.until.with_timezone(&self.time_zone).format("%Y-%m-%d")
        );
        InsightsTask::new(period, metrics)
            .top_posts(self.top_posts.iter().map(|p| p.post.text.clone()).collect())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{TimeDelta, TimeZone};

    use super::*;
    use crate::insights::posts::PostFacts;
    use crate::network::PostId;

    #[test]
    fn numbers_read_like_numbers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(-1_000), "-1,000");
        assert_eq!(
            and_list(&["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
        assert_eq!(opening("one two"), "one two");
        assert_eq!(opening("a b c d e f g h i j"), "a b c d e f g h…");
    }

    fn empty_growth(zone: Tz) -> Growth {
        let since = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        super::super::growth::growth(&[], since, since + TimeDelta::days(7), zone)
    }

    #[test]
    fn the_offline_summary_names_the_best_hour_and_topic() {
        let ny: Tz = "America/New_York".parse().unwrap();
        // Tuesday 18:00 in New York is 22:00 UTC in summer.
        let tuesday = Utc.with_ymd_and_hms(2026, 6, 2, 22, 0, 0).unwrap();
        let monday = Utc.with_ymd_and_hms(2026, 6, 1, 13, 0, 0).unwrap();
        let post = |id: &str, at, text: &str, likes| PostPerformance {
            post: PostFacts::new(PostId::new(id), at, text),
            measured_at: at,
            metrics: BTreeMap::from([("views".to_owned(), 100), ("likes".to_owned(), likes)]),
        };
        let posts = vec![
            post("1", tuesday, "#sourdough bake", 30),
            post("2", tuesday + TimeDelta::days(7), "#sourdough bake", 28),
            post("3", monday, "weekday notes", 2),
            post("4", monday + TimeDelta::days(7), "more weekday notes", 3),
        ];
        let report =
            StrategistReport::compose(AccountId::new(), empty_growth(ny), None, &posts, None);
        assert!(
            report.summary.contains("Tuesday 18:00"),
            "{}",
            report.summary
        );
        assert!(report.summary.contains("America/New_York"));
        assert!(report.summary.contains("#sourdough"), "{}", report.summary);
        assert_eq!(report.written_by, ReportWriter::Offline);
        assert_eq!(report.posts_measured, 4);
        let again =
            StrategistReport::compose(AccountId::new(), empty_growth(ny), None, &posts, None);
        assert_eq!(again.summary, report.summary, "deterministic");
        let task = report.insights_task();
        assert!(
            task.metrics
                .iter()
                .any(|m| m.name.contains("Tuesday 18:00"))
        );
        assert_eq!(task.top_posts.len(), 3);
    }

    #[test]
    fn a_report_without_posts_says_so() {
        let report =
            StrategistReport::compose(AccountId::new(), empty_growth(Tz::UTC), None, &[], None);
        assert!(report.summary.contains("No post of this period"));
        assert!(report.best_hours.is_empty() && report.top_topics.is_empty());
    }
}
