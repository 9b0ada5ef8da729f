// com.siemhub.splunk — registration only. One connector instance plays the roles its config
// has sections for: HEC sink (`hec`), search export source (`search` + `rest`), notable
// actions (`rest`). The routes decide whether the hub writes to it, polls it, or both.
#include <memory>

#include "config.hpp"
#include "schema.hpp"
#include "hec_sink.hpp"
#include "notable_actions.hpp"
#include "rest.hpp"
#include "search_source.hpp"
#include "siemhub/plugin.hpp"

namespace siemhub::plugins::splunk {

class Splunk {
 public:
  static constexpr char id[] = "com.siemhub.splunk";
  static constexpr char version[] = "1.0.0";
  static constexpr const char* vendor = "siemhub";
  static constexpr const char* description =
      "Splunk: HEC sink with indexer acknowledgement, search export source with an _indextime cursor, "
      "ES notable update actions";
  static constexpr const char* license = "Apache-2.0";
  static constexpr const char* homepage = "https://github.com/siemhub/siemhub/tree/main/plugins/splunk";
  static constexpr const char* ocsf_classes = "[2004, 0]";
  static constexpr const char* config_schema = kConfigSchema;
  static constexpr uint32_t poll_interval_ms = 1000;
  static constexpr uint32_t max_batch_events = 5000;
  using Config = splunk::Config;

  Splunk(sdk::Host host, Config cfg) : host_(host), cfg_(std::move(cfg)) {
    if (cfg_.hec) hec_ = std::make_unique<HecSink>(host_, *cfg_.hec);
    if (cfg_.rest) {
      rest_ = std::make_unique<Rest>(*cfg_.rest);
      actions_ = std::make_unique<NotableActions>(host_, *rest_);
      if (cfg_.search) search_ = std::make_unique<SearchSource>(host_, *rest_, *cfg_.search);
    }
  }

  void start() {
    if (hec_) hec_->start();
  }
  void stop(int64_t /*deadline_ms*/) {
    if (hec_) hec_->stop();
  }

  void write(sdk::SinkOp& op, const sdk::Batch& batch) {
    if (!hec_) throw sdk::Error(sdk::Category::config, "this Splunk connector has no hec section: it cannot be a sink");
    hec_->write(op, batch);
  }

  void poll(sdk::PullOp& op) {
    if (!search_) throw sdk::Error(sdk::Category::config, "this Splunk connector has no search section: it cannot be a source");
    search_->poll(op);
  }

  static std::vector<sdk::ActionDef> actions() { return NotableActions::definitions(); }
  void execute(sdk::ActionOp& op, const sdk::ActionRequest& req) { require_rest().execute(op, req); }
  void status(sdk::ActionOp& op, const sdk::ActionRequest& req) { require_rest().status(op, req); }

 private:
  NotableActions& require_rest() {
    if (!actions_) throw sdk::Error(sdk::Category::config, "this Splunk connector has no rest section: notable actions need it");
    return *actions_;
  }

  sdk::Host host_;
  Config cfg_;
  std::unique_ptr<HecSink> hec_;
  std::unique_ptr<Rest> rest_;
  std::unique_ptr<NotableActions> actions_;
  std::unique_ptr<SearchSource> search_;
};

}  // namespace siemhub::plugins::splunk

SIEMHUB_PLUGIN(siemhub::plugins::splunk::Splunk)
