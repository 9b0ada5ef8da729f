// siemhub-conformance PATH.so [--config FILE.json] [--script FILE.json] [--workdir DIR] [--verbose]
//
// Runs the SDK's conformance checks on a plugin library and prints one line per check
// ("PASS name: reason" / "FAIL name: reason"). `@WORKDIR@` in the config is replaced by DIR, or
// by a fresh directory under $TMPDIR removed at exit. --script replays scripted HTTP exchanges
// (siemhub/testing/http_script.hpp) for a pull source's success path (the script.* checks).
// Exit status: 0 all passed, 1 a check failed, 2 usage error, 3 the plugin crashed the runner
// (the line before says where).
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "siemhub/testing/conformance.hpp"

#if SIEMHUB_HAVE_VALIJSON
#define VALIJSON_USE_EXCEPTIONS 1
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>
#endif

namespace {

// Name of the phase running plugin code, for the crash report (fixed buffer: signal-safe).
char g_phase[256] = "startup";

void on_crash(int sig) {
  char buf[400];
  const int n = std::snprintf(buf, sizeof buf, "FAIL crash: signal %d (%s) while running plugin code in phase \"%s\"\n", sig,
                              sig == SIGSEGV ? "SIGSEGV" : sig == SIGABRT ? "SIGABRT" : sig == SIGBUS ? "SIGBUS" : sig == SIGFPE ? "SIGFPE" : "SIGILL",
                              g_phase);
  if (n > 0) (void)!::write(STDOUT_FILENO, buf, static_cast<size_t>(n));
  ::_exit(3);
}

int usage() {
  std::cerr << "usage: siemhub-conformance PATH.so [--config FILE.json] [--script FILE.json] [--workdir DIR] [--verbose]\n"
               "Checks a siemhub plugin against the ABI 1.x contract; exits non-zero on any failure.\n"
               "  --config   the configuration to create instances with; @WORKDIR@ in it is replaced by the work directory\n"
               "  --script   scripted HTTP exchanges: runs a pull source's success path on them (script.* checks)\n"
               "  --workdir  the work directory (default: a fresh one under $TMPDIR, removed at exit)\n";
  return 2;
}

#if SIEMHUB_HAVE_VALIJSON
std::optional<std::string> compile(const nlohmann::json& schema, valijson::Schema& out) {
  try {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(schema);
    parser.populateSchema(adapter, out);
    return std::nullopt;
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
}
#endif

}  // namespace

int main(int argc, char** argv) {
  std::string path, config_file, script_file, workdir;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) {
      config_file = argv[++i];
    } else if (a == "--script" && i + 1 < argc) {
      script_file = argv[++i];
    } else if (a == "--workdir" && i + 1 < argc) {
      workdir = argv[++i];
    } else if (a == "--verbose" || a == "-v") {
      verbose = true;
    } else if (a == "--help" || a == "-h") {
      usage();
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      return usage();
    } else if (path.empty()) {
      path = a;
    } else {
      return usage();
    }
  }
  if (path.empty()) return usage();

  siemhub::testing::ConformanceOptions opt;
  if (!config_file.empty()) {
    std::ifstream in(config_file);
    if (!in) {
      std::cerr << "siemhub-conformance: cannot read " << config_file << "\n";
      return 2;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    opt.config_json = ss.str();
  }
  // @WORKDIR@: paths a plugin writes to during the run (a sink's output file...).
  std::string made_workdir;
  if (opt.config_json.find("@WORKDIR@") != std::string::npos) {
    if (workdir.empty()) {
      const char* tmp = std::getenv("TMPDIR");
      std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/siemhub-conformance.XXXXXX";
      if (::mkdtemp(tmpl.data()) == nullptr) {
        std::cerr << "siemhub-conformance: cannot create a work directory " << tmpl << ": " << std::strerror(errno) << "\n";
        return 2;
      }
      workdir = made_workdir = tmpl;
    } else {
      std::error_code ec;
      std::filesystem::create_directories(workdir, ec);
      if (ec) {
        std::cerr << "siemhub-conformance: cannot create the work directory " << workdir << ": " << ec.message() << "\n";
        return 2;
      }
    }
    for (size_t at = 0; (at = opt.config_json.find("@WORKDIR@", at)) != std::string::npos; at += workdir.size())
      opt.config_json.replace(at, 9, workdir);
    std::cout << "INFO workdir: " << workdir << std::endl;
  }
  if (!script_file.empty()) {
    try {
      opt.http_script = siemhub::testing::HttpScript::load(script_file);
    } catch (const std::exception& e) {
      std::cerr << "siemhub-conformance: " << e.what() << "\n";
      return 2;
    }
  }

  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) ::signal(sig, on_crash);
  opt.on_phase = [](std::string_view p) {
    const size_t n = std::min(p.size(), sizeof g_phase - 1);
    std::memcpy(g_phase, p.data(), n);
    g_phase[n] = '\0';
  };
  opt.on_check = [](const siemhub::testing::Check& c) {
    std::cout << (c.pass ? "PASS " : "FAIL ") << c.name << ": " << c.reason << std::endl;
  };
  if (verbose) {
    opt.on_done = [](const siemhub::testing::FakeHost& host) {
      for (const auto& l : host.logs())
        std::cout << "  log [" << (l.instance.empty() ? "plugin" : l.instance) << "] level " << l.level << ": " << l.message
                  << "\n";
      for (const auto& m : host.metrics())
        std::cout << "  metric " << m.name << " [" << m.instance << "] = " << m.value << "\n";
      for (const auto& h : host.health_reports())
        std::cout << "  report_health [" << h.instance << "] " << h.state << " " << h.reason << "\n";
      std::cout << "  " << host.http_requests().size() << " HTTP request(s), " << host.ops().size() << " op(s)\n";
    };
  }
#if SIEMHUB_HAVE_VALIJSON
  opt.compile_schema = [](const nlohmann::json& schema) {
    valijson::Schema s;
    return compile(schema, s);
  };
  opt.validate = [](const nlohmann::json& schema, const nlohmann::json& value) -> std::optional<std::string> {
    valijson::Schema s;
    if (auto e = compile(schema, s)) return e;
    valijson::Validator v;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter target(value);
    if (v.validate(s, target, &results)) return std::nullopt;
    valijson::ValidationResults::Error err;
    std::string msg = "invalid";
    if (results.popError(err)) {
      std::string where;
      for (const auto& c : err.context) where += c;
      msg = where + ": " + err.description;
    }
    return msg;
  };
#endif

  const auto report = siemhub::testing::check_file(path, opt);
  std::snprintf(g_phase, sizeof g_phase, "%s", "exit");
  std::cout << (report.passed() ? "PASS" : "FAIL") << " siemhub-conformance " << path << ": " << report.checks.size()
            << " checks, " << report.failures() << " failed" << std::endl;
  std::cout.flush();
  if (!made_workdir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(made_workdir, ec);
  }
  // Leave without running the plugin's static destructors twice (the library stays loaded).
  std::_Exit(report.passed() ? 0 : 1);
}
