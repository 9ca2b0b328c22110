// Counts a text the way Threads does while typing (emoji count as their
// UTF-8 bytes). Only a help: the server checks again on save.
(function () {
  var emoji = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;
  var encoder = new TextEncoder();
  var segmenter = window.Intl && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;
  function measure(text) {
    if (!segmenter) { return Array.from(text).length; }
    var n = 0;
    for (var s of segmenter.segment(text)) {
      n += emoji.test(s.segment) ? encoder.encode(s.segment).length : 1;
    }
    return n;
  }
  document.querySelectorAll("textarea[data-max]").forEach(function (area) {
    var counter = document.getElementById(area.dataset.counter);
    if (!counter) { return; }
    var max = Number(area.dataset.max);
    function update() {
      var n = measure(area.value);
      counter.firstElementChild.textContent = String(n);
      counter.classList.toggle("over", n > max);
    }
    area.addEventListener("input", update);
  });
})();
