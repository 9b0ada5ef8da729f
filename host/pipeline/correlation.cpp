#include "pipeline/correlation.hpp"

#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <cstring>
#include <limits>
#include <mutex>

namespace siemhub::pipeline {

namespace asio = boost::asio;

namespace {

constexpr char kMagic[4] = {'S', 'H', 'L', '1'};

void put_u32(std::string& out, size_t n) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
}

bool get_u32(std::string_view& in, size_t& n) {
  if (in.size() < 4) return false;
  n = 0;
  for (int i = 0; i < 4; ++i) n |= size_t{static_cast<unsigned char>(in[static_cast<size_t>(i)])} << (8 * i);
  in.remove_prefix(4);
  return true;
}

bool get_bytes(std::string_view& in, std::string& out) {
  size_t n = 0;
  if (!get_u32(in, n) || in.size() < n) return false;
  out.assign(in.substr(0, n));
  in.remove_prefix(n);
  return true;
}

uint64_t cursor_of(const std::string& slot) {
  uint64_t cursor = 0;
  std::string snapshot;
  return decode_correlation(slot, cursor, snapshot) ? cursor : 0;
}

}  // namespace

std::string encode_lanes(const std::map<std::string, std::string>& slots) {
  std::string out(kMagic, sizeof kMagic);
  for (const auto& [name, slot] : slots) {
    put_u32(out, name.size());
    out += name;
    put_u32(out, slot.size());
    out += slot;
  }
  return out;
}

bool decode_lanes(std::string_view bytes, std::map<std::string, std::string>& slots) {
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) return false;
  bytes.remove_prefix(sizeof kMagic);
  std::map<std::string, std::string> out;
  while (!bytes.empty()) {
    std::string name, slot;
    if (!get_bytes(bytes, name) || !get_bytes(bytes, slot)) return false;
    out[std::move(name)] = std::move(slot);
  }
  slots = std::move(out);
  return true;
}

Correlation::Correlation(core::Runtime& runtime, core::MetricsRegistry& metrics, Journal& journal,
                         std::unique_ptr<lua::ParallelEngine> native, std::unique_ptr<lua::ParallelEngine> lua)
    : runtime_(runtime) {
  for (auto* engine : {native.get(), lua.get()})
    if (engine)
      for (const auto& info : engine->rules()) order_[info.id] = info.order;
  if (native) native_ = std::make_unique<Correlator>(runtime, metrics, journal, std::move(native), lua::Lane::native);
  if (lua) lua_ = std::make_unique<Correlator>(runtime, metrics, journal, std::move(lua), lua::Lane::lua);
  if (native_ && lua_) {
    native_->set_other_lane(lua_.get());
    lua_->set_other_lane(native_.get());
  }
}

Correlation::~Correlation() = default;

std::vector<Correlator*> Correlation::lanes() const {
  std::vector<Correlator*> out;
  if (native_) out.push_back(native_.get());
  if (lua_) out.push_back(lua_.get());
  return out;
}

void Correlation::start(const std::optional<std::string>& slot, uint64_t first_retained) {
  std::map<std::string, std::string> saved;
  if (!slot || !decode_lanes(*slot, saved)) {
    // Nothing saved, or the single correlator's slot of an older hub: every lane restores its
    // own rules' groups from it (Engine::restore skips the rules it does not hold).
    for (Correlator* c : lanes()) c->start(slot, first_retained);
    return;
  }
  uint64_t slowest = std::numeric_limits<uint64_t>::max();
  for (const auto& [name, s] : saved) slowest = std::min(slowest, cursor_of(s));
  if (saved.empty()) slowest = first_retained;
  for (Correlator* c : lanes()) {
    const auto it = saved.find(lua::lane_name(c->lane()));
    // A lane that saved nothing had no rules then: its rules are new and start where the others were.
    if (it != saved.end()) c->start(it->second, first_retained);
    else c->start(std::nullopt, slowest);
  }
}

void Correlation::on_appended(std::function<void(uint64_t bytes)> fn) {
  for (Correlator* c : lanes()) c->on_appended(fn);
}

void Correlation::halt() {
  for (Correlator* c : lanes()) c->halt();
}

namespace {

// One checkpoint across the lanes: each lane's slot as it arrives, the callback once.
struct LaneCheckpoint {
  std::mutex mu;
  std::vector<Correlator*> lanes;
  std::map<std::string, std::pair<std::string, uint64_t>> slots;  // lane name -> (slot, cursor)
  bool done = false;
  std::function<void(std::string, uint64_t)> fn;
  std::shared_ptr<asio::steady_timer> timer;

  // Called with each lane's slot, and by the timer (no slot): the first call that finds every
  // lane answered, or the timer's, completes it.
  void arrive(const Correlator* lane, std::string slot, uint64_t cursor, bool timed_out) {
    std::unique_lock lk(mu);
    if (done) return;
    if (lane) slots[lua::lane_name(lane->lane())] = {std::move(slot), cursor};
    if (!timed_out && slots.size() < lanes.size()) return;
    done = true;
    for (const Correlator* c : lanes)
      if (!slots.count(lua::lane_name(c->lane()))) slots[lua::lane_name(c->lane())] = c->last_slot();
    std::map<std::string, std::string> bytes;
    uint64_t min_cursor = std::numeric_limits<uint64_t>::max();
    for (auto& [name, s] : slots) {
      min_cursor = std::min(min_cursor, s.second);
      bytes[name] = std::move(s.first);
    }
    auto run = std::move(fn);
    if (timer) timer->cancel();
    lk.unlock();
    run(encode_lanes(bytes), min_cursor);
  }
};

}  // namespace

void Correlation::checkpoint(std::function<void(std::string slot, uint64_t cursor)> fn, int64_t wait_ms) {
  auto state = std::make_shared<LaneCheckpoint>();
  state->lanes = lanes();
  state->fn = std::move(fn);
  if (wait_ms >= 0) {
    state->timer = std::make_shared<asio::steady_timer>(runtime_.io());
    state->timer->expires_after(std::chrono::milliseconds(wait_ms));
    state->timer->async_wait([state](const boost::system::error_code& ec) {
      if (!ec) state->arrive(nullptr, {}, 0, true);
    });
  }
  for (Correlator* c : state->lanes)
    c->checkpoint([state, c](std::string slot, uint64_t cursor) { state->arrive(c, std::move(slot), cursor, false); });
}

uint64_t Correlation::cursor() const {
  uint64_t out = std::numeric_limits<uint64_t>::max();
  for (const Correlator* c : lanes()) out = std::min(out, c->cursor());
  return out;
}

bool Correlation::idle() const {
  for (const Correlator* c : lanes())
    if (!c->idle()) return false;
  return true;
}

uint64_t Correlation::findings() const {
  uint64_t n = 0;
  for (const Correlator* c : lanes()) n += c->findings();
  return n;
}

nlohmann::json Correlation::rules_status() const {
  std::vector<nlohmann::json> rows;
  for (const Correlator* c : lanes())
    for (auto& r : c->rules_status()) {
      r["lane"] = lua::lane_name(c->lane());
      rows.push_back(std::move(r));
    }
  const auto order = [this](const nlohmann::json& r) {
    const auto it = order_.find(r.value("id", ""));
    return it == order_.end() ? std::numeric_limits<size_t>::max() : it->second;
  };
  std::stable_sort(rows.begin(), rows.end(),
                   [&](const nlohmann::json& a, const nlohmann::json& b) { return order(a) < order(b); });
  return nlohmann::json(std::move(rows));
}

std::vector<std::string> Correlation::quarantined() const {
  std::vector<std::string> out;
  for (const auto& r : rules_status())
    if (r.value("quarantined", false)) out.push_back(r.value("id", ""));
  return out;
}

nlohmann::json Correlation::status() const {
  nlohmann::json lanes_json = nlohmann::json::object();
  for (const lua::Lane lane : {lua::Lane::native, lua::Lane::lua}) {
    const Correlator* c = this->lane(lane);
    lanes_json[lua::lane_name(lane)] =
        c ? nlohmann::json{{"cursor", c->cursor()}, {"findings", c->findings()}, {"rules", c->rule_count()}}
          : nlohmann::json{{"rules", 0}};
  }
  return {{"cursor", cursor()}, {"findings", findings()}, {"lanes", std::move(lanes_json)}};
}

}  // namespace siemhub::pipeline
