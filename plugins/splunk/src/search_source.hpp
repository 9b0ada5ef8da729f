// The search source (vendor-apis.md §1.2): each poll runs the configured SPL through
// POST /services/search/jobs/export (output_mode=json) over one window of _indextime and streams
// the answer, one {"preview":false,"offset":N,"result":{…}} row per line.
//
// Cursor (committed by the host together with the events of the poll — so a poll killed
// half-way is simply run again): {"v":1,"t":T,"seen":[…]}. The next search covers
// index_earliest = T - overlap_s to index_latest = min(now, T + window_s) (exclusive); results
// whose id hash is in `seen` were taken by an earlier poll and are skipped; the new `seen` holds
// the hashes of every result of the window with _indextime >= the new T - overlap_s, i.e. of
// exactly those the next, overlapping search can return again. So late-indexed events inside the
// overlap are picked up (no gap) and none is taken twice (no repeat), across restarts too.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "config.hpp"
#include "rest.hpp"
#include "result_mapping.hpp"
#include "siemhub/plugin.hpp"

namespace siemhub::plugins::splunk {

struct SearchCursor {
  int64_t t = -1;              // index_earliest base (epoch s); -1 = never searched
  std::set<std::string> seen;  // id hashes taken with _indextime >= t - overlap
  static SearchCursor parse(std::string_view text);  // empty or malformed -> fresh
  std::string dump() const;
};

class SearchSource {
 public:
  SearchSource(sdk::Host host, const Rest& rest, SearchConfig cfg);
  void poll(sdk::PullOp& op);

 private:
  struct Run;
  void on_line(Run& run, std::string_view line);

  sdk::Host host_;
  const Rest& rest_;
  SearchConfig cfg_;
  int64_t next_due_ms_ = 0;  // in memory only: after a restart the first poll searches at once
  int64_t window_s_;         // cfg_.window_s, halved after a search timed out, widened after one finished
  struct Metrics {
    sdk::Metric searches, results, skipped, emitted, failures;
  } m_;
};

}  // namespace siemhub::plugins::splunk
