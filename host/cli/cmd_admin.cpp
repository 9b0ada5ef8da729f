// `siemhub status`, `siemhub dlq list|show|replay|purge` and `siemhub cursor show|reset`: clients of a running hub's admin API
// (admin/client.hpp) over `<data_dir>/admin.sock`, authenticated with `<data_dir>/admin.token`.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <siemhub/url.hpp>

#include "admin/client.hpp"
#include "admin/token.hpp"
#include "cli/admin_call.hpp"
#include "cli/cli.hpp"
#include "config/config.hpp"
#include "core/redact.hpp"

namespace siemhub::cli {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// --- formatting -----------------------------------------------------------------------------------

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string str(const json& j, const char* key, const std::string& fallback = "-") {
  if (!j.is_object() || !j.contains(key)) return fallback;
  const json& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return fallback;
  return v.dump();
}

int64_t num(const json& j, const char* key, int64_t fallback = 0) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return fallback;
  return j[key].get<int64_t>();
}

std::string bytes_text(int64_t n) {
  if (n < 1024) return std::to_string(n) + " B";
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int unit = -1;
  while (v >= 1024.0 && unit < 3) {
    v /= 1024.0;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, v < 10 ? "%.1f %s" : "%.0f %s", v, kUnits[unit]);
  return buf;
}

std::string duration_text(int64_t ms) {
  if (ms < 0) ms = 0;
  const int64_t s = ms / 1000;
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  } else if (s < 86400) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldd%02lldh", static_cast<long long>(s / 86400),
                  static_cast<long long>(s / 3600 % 24));
  }
  return buf;
}

std::string time_text(int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string one_line(std::string s, size_t max) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\r', ' ');
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
}

// Left-aligned columns separated by two spaces.
void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& r : rows) {
    for (size_t c = 0; c < r.size() && c < width.size(); ++c) width[c] = std::max(width[c], r[c].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t c = 0; c < cells.size(); ++c) {
      out += cells[c];
      if (c + 1 < cells.size()) out += std::string(width[c] - cells[c].size() + 2, ' ');
    }
    std::printf("%s\n", out.c_str());
  };
  line(header);
  for (const auto& r : rows) line(r);
}

void print_json(const json& j) { std::printf("%s\n", j.dump(2, ' ', false, json::error_handler_t::replace).c_str()); }

// --- connecting -----------------------------------------------------------------------------------

// Sends one request; prints the error and returns an exit code when it fails, else kExitOk.
int call(const AdminOptions& o, bool is_post, const std::string& target, const json& body, admin::AdminResponse& out) {
  fs::path dir;
  if (const int rc = resolve_data_dir(o.data_dir, o.config, dir); rc != kExitOk) return rc;
  if (const int rc = admin_request(dir, is_post, target, body, out); rc != kExitOk) return rc;
  if (!out.ok()) {
    std::fprintf(stderr, "error: %s (HTTP %u)\n", out.error_message().c_str(), out.status);
    return kExitFailure;
  }
  return kExitOk;
}

// --- status ---------------------------------------------------------------------------------------

void print_status(const json& s) {
  const int64_t now = now_ms();
  if (const int64_t started = num(s, "started_ms"); started > 0) {
    std::printf("hub up %s (since %s)\n\n", duration_text(now - started).c_str(), time_text(started).c_str());
  }

  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> notes;
  const json connectors = s.value("connectors", json::array());
  for (const auto& c : connectors) {
    const json health = c.value("health", json::object());
    std::string state = health.is_object() ? str(health, "state") : (health.is_string() ? health.get<std::string>() : "-");
    if (c.value("paused", false)) state += " (paused)";
    const std::string reason = health.is_object() ? str(health, "reason", "") : "";
    if (!reason.empty()) notes.push_back(str(c, "name") + ": " + one_line(reason, 160));
    if (const int64_t next = num(c, "next_attempt_ms"); next > 0) {
      notes.push_back(str(c, "name") + ": last error (" + str(c, "last_error_category", "?") + ") " +
                      one_line(str(c, "last_error", ""), 120) + "; retry " + std::to_string(num(c, "retry_count")) +
                      " at " + time_text(next));
    }
    const std::string role = str(c, "role");
    const bool sink = role.find("sink") != std::string::npos;  // "sink", "source+sink"; not "action"
    rows.push_back({str(c, "name"), str(c, "plugin"), role, state, std::to_string(num(c, "events_in")),
                    std::to_string(num(c, "events_out")), std::to_string(num(c, "rejected")),
                    std::to_string(num(c, "retries")),
                    sink ? std::to_string(num(c, "queue_events")) + " / " + bytes_text(num(c, "queue_bytes")) : "-",
                    sink ? str(c, "breaker") : "-"});
  }
  if (rows.empty()) {
    std::printf("no connectors\n");
  } else {
    print_table({"CONNECTOR", "PLUGIN", "ROLE", "HEALTH", "IN", "OUT", "REJECTED", "RETRIES", "QUEUE", "BREAKER"}, rows);
  }
  for (const auto& n : notes) std::printf("  %s\n", n.c_str());
  std::printf("\n");

  const json journal = s.value("journal", json::object());
  if (journal.is_object() && !journal.empty()) {
    const int64_t bytes = num(journal, "bytes"), cap = num(journal, "cap_bytes");
    std::string line = "seq " + std::to_string(num(journal, "first_seq")) + ".." + std::to_string(num(journal, "last_seq")) +
                       ", " + bytes_text(bytes);
    if (cap > 0) {
      char pct[16];
      std::snprintf(pct, sizeof pct, "%.1f%%", 100.0 * static_cast<double>(bytes) / static_cast<double>(cap));
      line += " of " + bytes_text(cap) + " (" + pct + ")";
    }
    std::printf("journal     %s\n", line.c_str());
  }
  const json checkpoint = s.value("checkpoint", json::object());
  if (const int64_t last = num(checkpoint, "last_ms"); last > 0) {
    std::string line = duration_text(now - last) + " ago at " + time_text(last);
    if (checkpoint.contains("journal_seq")) line += " (journal seq " + std::to_string(num(checkpoint, "journal_seq")) + ")";
    std::printf("checkpoint  %s\n", line.c_str());
  } else {
    std::printf("checkpoint  none yet\n");
  }
  const int64_t dlq = num(s.value("dlq", json::object()), "count");
  std::printf("dead letters %lld%s\n", static_cast<long long>(dlq), dlq > 0 ? "  (siemhub dlq list)" : "");

  // The correlation lanes: how far each has read the journal (the native one never waits on Lua).
  const json correlation = s.value("correlation", json::object());
  if (correlation.contains("lanes")) {
    std::string line = "cursor " + std::to_string(num(correlation, "cursor")) + ", " +
                       std::to_string(num(correlation, "findings")) + " findings";
    for (const char* lane : {"native", "lua"}) {
      const json l = correlation["lanes"].value(lane, json::object());
      if (num(l, "rules") == 0) continue;
      line += std::string("; ") + lane + " lane: " + std::to_string(num(l, "rules")) + " rules, cursor " +
              std::to_string(num(l, "cursor")) + ", " + std::to_string(num(l, "findings")) + " findings";
    }
    std::printf("correlation %s\n", line.c_str());
  }

  // The correlation rules: one row each; the last fault of every rule that has one below.
  const json rules = s.value("rules", json::array());
  if (rules.is_array() && !rules.empty()) {
    std::vector<std::vector<std::string>> rule_rows;
    std::vector<std::string> faults;
    for (const auto& r : rules) {
      const bool quarantined = r.value("quarantined", false);
      rule_rows.push_back({str(r, "id"), str(r, "lane", "-"), std::to_string(num(r, "matched")),
                           std::to_string(num(r, "findings")), std::to_string(num(r, "faults")),
                           quarantined ? "QUARANTINED" : "active"});
      // A quarantined rule shows why it was quarantined (its own reason, kept from then on).
      const std::string reason = str(r, "quarantine_reason", "");
      const std::string f = quarantined && !reason.empty() ? "quarantined: " + reason : str(r, "last_fault", "");
      if (!f.empty()) faults.push_back(str(r, "id") + ": " + one_line(f, 200));
    }
    std::printf("\n");
    print_table({"RULE", "LANE", "MATCHED", "FINDINGS", "FAULTS", "STATE"}, rule_rows);
    for (const auto& f : faults) std::printf("  %s\n", f.c_str());
  }
}

// --- dlq ------------------------------------------------------------------------------------------

void print_dlq_entries(const json& res) {
  const json entries = res.value("entries", json::array());
  if (entries.empty()) {
    std::printf("no dead letters\n");
    return;
  }
  const int64_t now = now_ms();
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : entries) {
    const int64_t created = num(e, "created_ms");
    // STAGE: "sink" (the sink rejected it) or "source" (normalize refused what CONNECTOR sent).
    const std::string stage = str(e, "stage", "sink");
    rows.push_back({str(e, "id"), str(e, "sink"), stage, str(e, "event_id"), str(e, "journal_seq"),
                    created > 0 ? duration_text(now - created) : "-", one_line(str(e, "reason"), 100)});
  }
  print_table({"ID", "CONNECTOR", "STAGE", "EVENT", "SEQ", "AGE", "REASON"}, rows);
  if (res.contains("next_after") && !res["next_after"].is_null()) {
    std::printf("(more: --after %s)\n", str(res, "next_after").c_str());
  }
}

void print_dlq_entry(const json& e) {
  if (!e.is_object()) return print_json(e);
  // The well-known fields first, then any other scalar, then the event and the sink's response.
  std::vector<std::string> keys = {"id", "sink", "stage", "event_id", "journal_seq", "created_ms", "reason"};
  for (const auto& [key, value] : e.items()) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end() && !value.is_object() && !value.is_array()) {
      keys.push_back(key);
    }
  }
  for (const auto& key : keys) {
    if (!e.contains(key)) continue;
    const json& value = e[key];
    std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    if (key == "created_ms" && value.is_number()) {
      text = time_text(value.get<int64_t>()) + " (" + duration_text(now_ms() - value.get<int64_t>()) + " ago)";
    }
    std::printf("%-12s %s\n", (key == "created_ms" ? std::string("created") : key).c_str(), text.c_str());
  }
  for (const auto& [key, value] : e.items()) {
    if (value.is_object() || value.is_array()) {
      std::printf("%s:\n%s\n", key.c_str(), value.dump(2, ' ', false, json::error_handler_t::replace).c_str());
    }
  }
}

bool confirm(const std::string& question) {
  std::fprintf(stderr, "%s [y/N] ", question.c_str());
  std::fflush(stderr);
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes" || answer == "YES";
}

std::string ids_text(const std::vector<uint64_t>& ids) {
  std::string out;
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? ", " : "") + std::to_string(ids[i]);
  return out;
}

int run_dlq_list(const AdminOptions& o) {
  std::string target = "/v1/dlq?limit=" + std::to_string(o.limit);
  if (!o.sink.empty()) target += "&sink=" + admin::url_encode(o.sink);
  if (o.after > 0) target += "&after=" + std::to_string(o.after);
  admin::AdminResponse res;
  if (const int rc = call(o, false, target, nullptr, res); rc != kExitOk) return rc;
  if (o.json) {
    print_json(res.body);
  } else {
    print_dlq_entries(res.body);
  }
  return kExitOk;
}

int run_dlq_show(const AdminOptions& o) {
  admin::AdminResponse res;
  if (const int rc = call(o, false, "/v1/dlq/" + std::to_string(o.show_id), nullptr, res); rc != kExitOk) return rc;
  if (o.json) {
    print_json(res.body);
  } else {
    print_dlq_entry(res.body);
  }
  return kExitOk;
}

int run_dlq_replay(const AdminOptions& o) {
  if (o.ids.empty() == o.sink.empty()) {
    std::fprintf(stderr, "error: dlq replay: give --id ID... or --sink SINK (not both)\n");
    return kExitUsage;
  }
  json body{{"ids", o.ids}, {"sink", o.sink}, {"to_sink", o.to}};
  if (o.ids.empty()) body["all"] = true;  // --sink S: every entry of S (--all is implied)
  admin::AdminResponse res;
  if (const int rc = call(o, true, "/v1/dlq/replay", body, res); rc != kExitOk) return rc;
  if (o.json) {
    print_json(res.body);
  } else {
    std::printf("replayed %lld dead letter(s)%s: queued for delivery again (a new rejection dead-letters them again)\n",
                static_cast<long long>(num(res.body, "replayed")), o.to.empty() ? "" : (" to " + o.to).c_str());
  }
  return kExitOk;
}

int run_dlq_purge(const AdminOptions& o) {
  std::string what;
  if (!o.ids.empty()) {
    if (o.all || !o.sink.empty()) {
      std::fprintf(stderr, "error: dlq purge: --id cannot be combined with --sink or --all\n");
      return kExitUsage;
    }
    what = "dead letter(s) " + ids_text(o.ids);
  } else if (!o.all) {
    std::fprintf(stderr, "error: dlq purge: give --id ID..., --sink SINK --all, or --all\n");
    return kExitUsage;
  } else {
    what = o.sink.empty() ? "EVERY dead letter of every sink" : "every dead letter of sink " + o.sink;
  }
  if (!o.yes) {
    if (::isatty(STDIN_FILENO) == 0) {
      std::fprintf(stderr, "error: dlq purge deletes for good: pass --yes (stdin is not a terminal to ask on)\n");
      return kExitUsage;
    }
    if (!confirm("Delete " + what + "? This cannot be undone.")) {
      std::fprintf(stderr, "nothing purged\n");
      return kExitFailure;
    }
  }
  json body{{"ids", o.ids}, {"sink", o.sink}};
  if (o.ids.empty()) body["all"] = true;
  admin::AdminResponse res;
  if (const int rc = call(o, true, "/v1/dlq/purge", body, res); rc != kExitOk) return rc;
  if (o.json) {
    print_json(res.body);
  } else {
    std::printf("purged %lld dead letter(s)\n", static_cast<long long>(num(res.body, "purged")));
  }
  return kExitOk;
}

// --- cursor ---------------------------------------------------------------------------------------

std::string cursor_text(const json& j, const char* text_key, const char* hex_key) {
  if (j.contains(text_key) && j[text_key].is_string()) {
    const auto v = j[text_key].get<std::string>();
    return v.empty() ? "(none: polls from the start)" : v;
  }
  if (j.contains(hex_key) && j[hex_key].is_string()) return "hex " + j[hex_key].get<std::string>();
  return "-";
}

int run_cursor_show(const AdminOptions& o) {
  admin::AdminResponse res;
  if (const int rc = call(o, false, "/v1/cursors/" + sdk::encode_path_segment(o.connector), nullptr, res); rc != kExitOk) return rc;
  if (o.json) {
    print_json(res.body);
  } else {
    std::printf("%s: %s (%lld bytes)\n", o.connector.c_str(), cursor_text(res.body, "cursor", "cursor_hex").c_str(),
                static_cast<long long>(num(res.body, "bytes")));
  }
  return kExitOk;
}

int run_cursor_reset(const AdminOptions& o) {
  const std::string what = o.cursor_to.empty() ? "poll from the start" : "poll from cursor \"" + o.cursor_to + "\"";
  if (!o.yes) {
    if (::isatty(STDIN_FILENO) == 0) {
      std::fprintf(stderr,
                   "error: cursor reset makes %s %s and may fetch events again: pass --yes (stdin is not a terminal to ask on)\n",
                   o.connector.c_str(), what.c_str());
      return kExitUsage;
    }
    if (!confirm("Make " + o.connector + " " + what + "? Events after that point are fetched again.")) {
      std::fprintf(stderr, "cursor unchanged\n");
      return kExitFailure;
    }
  }
  admin::AdminResponse res;
  const json body{{"cursor", o.cursor_to}};
  if (const int rc = call(o, true, "/v1/cursors/" + sdk::encode_path_segment(o.connector) + "/reset", body, res); rc != kExitOk)
    return rc;
  if (o.json) {
    print_json(res.body);
  } else {
    std::printf("%s: cursor reset to %s (was %s); it polls from it now\n", o.connector.c_str(),
                cursor_text(res.body, "cursor", "cursor_hex").c_str(),
                res.body.contains("previous") && res.body["previous"].is_string() && !res.body["previous"].get<std::string>().empty()
                    ? res.body["previous"].get<std::string>().c_str()
                    : "none");
  }
  return kExitOk;
}

void add_target_options(CLI::App* cmd, const std::shared_ptr<AdminOptions>& o) {
  cmd->add_option("-d,--data-dir", o->data_dir, "Data directory of the running hub (default ./siemhub-data)");
  cmd->add_option("-c,--config", o->config, "Hub config (YAML): use its data_dir");
  cmd->add_flag("--json", o->json, "Print the hub's JSON answer");
}

}  // namespace

void add_admin_commands(CLI::App& app, AdminCommands& cmds) {
  auto o = cmds.opts;
  cmds.status = app.add_subcommand("status", "Show a running hub's connectors, queues, breakers and last checkpoint");
  add_target_options(cmds.status, o);

  cmds.dlq = app.add_subcommand("dlq", "List, show, replay or purge a running hub's dead letters");
  cmds.dlq->require_subcommand(1);
  cmds.dlq_list = cmds.dlq->add_subcommand("list", "List dead letters (oldest first, paged)");
  add_target_options(cmds.dlq_list, o);
  cmds.dlq_list->add_option("--sink", o->sink, "Only this sink's entries");
  cmds.dlq_list->add_option("--after", o->after, "Entries after this id (paging)");
  cmds.dlq_list->add_option("--limit", o->limit, "At most this many entries (1..1000)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();

  cmds.dlq_show = cmds.dlq->add_subcommand("show", "Show one dead letter with its event and the sink's answer");
  add_target_options(cmds.dlq_show, o);
  cmds.dlq_show->add_option("id", o->show_id, "Dead-letter id")->required();

  cmds.dlq_replay = cmds.dlq->add_subcommand("replay", "Send dead letters back to their sink (or --to another)");
  add_target_options(cmds.dlq_replay, o);
  cmds.dlq_replay->add_option("--id", o->ids, "Dead-letter id (repeatable)");
  cmds.dlq_replay->add_option("--sink", o->sink, "Every entry of this sink");
  cmds.dlq_replay->add_flag("--all", o->all, "With --sink: every entry (the default)");
  cmds.dlq_replay->add_option("--to", o->to, "Deliver to this sink instead of the original one");

  cmds.dlq_purge = cmds.dlq->add_subcommand("purge", "Delete dead letters for good");
  add_target_options(cmds.dlq_purge, o);
  cmds.dlq_purge->add_option("--id", o->ids, "Dead-letter id (repeatable)");
  cmds.dlq_purge->add_option("--sink", o->sink, "With --all: every entry of this sink");
  cmds.dlq_purge->add_flag("--all", o->all, "Every entry (of --sink, or of every sink)");
  cmds.dlq_purge->add_flag("-y,--yes", o->yes, "Do not ask for confirmation (required when stdin is not a terminal)");

  cmds.cursor = app.add_subcommand("cursor", "Show or reset a running hub's pull-source cursor");
  cmds.cursor->require_subcommand(1);
  cmds.cursor_show = cmds.cursor->add_subcommand("show", "Show a pull source's durable cursor");
  add_target_options(cmds.cursor_show, o);
  cmds.cursor_show->add_option("connector", o->connector, "Pull-source connector")->required();
  cmds.cursor_reset = cmds.cursor->add_subcommand(
      "reset", "Make a pull source poll from the start (or from --to) at once; what follows is fetched again");
  add_target_options(cmds.cursor_reset, o);
  cmds.cursor_reset->add_option("connector", o->connector, "Pull-source connector")->required();
  cmds.cursor_reset->add_option("--to", o->cursor_to, "The cursor to poll from (default: none, from the start)");
  cmds.cursor_reset->add_flag("-y,--yes", o->yes, "Do not ask for confirmation (required when stdin is not a terminal)");
}

int run_status(const AdminOptions& o) {
  admin::AdminResponse res;
  if (const int rc = call(o, false, "/v1/status", nullptr, res); rc != kExitOk) return rc;
  if (o.json) {
    print_json(res.body);
  } else {
    print_status(res.body);
  }
  return kExitOk;
}

int run_cursor(const AdminCommands& cmds) {
  const AdminOptions& o = *cmds.opts;
  if (cmds.cursor_show->parsed()) return run_cursor_show(o);
  if (cmds.cursor_reset->parsed()) return run_cursor_reset(o);
  return kExitUsage;
}

int run_dlq(const AdminCommands& cmds) {
  const AdminOptions& o = *cmds.opts;
  if (cmds.dlq_list->parsed()) return run_dlq_list(o);
  if (cmds.dlq_show->parsed()) return run_dlq_show(o);
  if (cmds.dlq_replay->parsed()) return run_dlq_replay(o);
  if (cmds.dlq_purge->parsed()) return run_dlq_purge(o);
  return kExitUsage;
}

}  // namespace siemhub::cli
