//! Wire models of the Threads Graph API (being written).
