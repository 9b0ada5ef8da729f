// ABI 1.1 fields of siemhub_action_def (target kind, target parameter, OCSF class): what the
// loader accepts and refuses, and that a 1.0-sized definition is read without them.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "plugins/loader.hpp"

using siemhub::plugins::Candidate;
using siemhub::plugins::Loader;
using siemhub::plugins::LoaderOptions;

namespace {

siemhub_rc init(const siemhub_host_api*, siemhub_status*) { return SIEMHUB_RC_OK; }
siemhub_rc create(siemhub_host_ctx*, const char*, size_t, void** out, siemhub_status*) {
  static int instance;
  *out = &instance;
  return SIEMHUB_RC_OK;
}
siemhub_rc start(void*, siemhub_status*) { return SIEMHUB_RC_OK; }
siemhub_rc stop(void*, int64_t, siemhub_status*) { return SIEMHUB_RC_OK; }
void destroy(void*) {}
siemhub_rc call(void*, siemhub_op*, const siemhub_action_request*, siemhub_status*) { return SIEMHUB_RC_OK; }

constexpr const char* kSchema = R"({"type":"object","properties":{"ip":{"type":"string"},"note":{"type":"string"}}})";

// A C plugin with one action `block` of the given definition (its struct_size as given).
struct ActionPlugin {
  siemhub_action_def def{};
  const siemhub_action_def* defs[1] = {&def};
  siemhub_action_vtable vt{};
  siemhub_plugin_descriptor d{};
  ActionPlugin(const ActionPlugin&) = delete;  // the tables point into *this

  ActionPlugin(siemhub_target_kind kind, const char* param, uint32_t ocsf_class,
               uint32_t def_size = sizeof(siemhub_action_def)) {
    def.struct_size = def_size;
    def.name = "block";
    def.title = "Block";
    def.description = "blocks";
    def.params_schema = kSchema;
    def.timeout_ms = 1000;
    def.target_kind = kind;
    def.target_param = param;
    def.ocsf_class_uid = ocsf_class;
    vt = {sizeof vt, 1, defs, &call, &call};
    d.struct_size = sizeof d;
    d.abi_major = SIEMHUB_ABI_MAJOR;
    d.abi_minor = SIEMHUB_ABI_MINOR;
    d.id = "test.action-def";
    d.version = "1.0.0";
    d.capabilities = SIEMHUB_CAP_ACTION;
    d.config_schema = R"({"type":"object"})";
    d.ocsf_classes = "[]";
    d.init = &init;
    d.create_instance = &create;
    d.start = &start;
    d.stop = &stop;
    d.destroy_instance = &destroy;
    d.action = &vt;
  }
};

Candidate add(const ActionPlugin& p) {
  Loader loader(LoaderOptions{});
  return loader.add_builtin(&p.d);
}

}  // namespace

TEST_CASE("an action declaring an ip target held in a schema property and class 7004 is accepted", "[loader][abi11]") {
  const ActionPlugin p(SIEMHUB_TARGET_IP, "ip", SIEMHUB_OCSF_NETWORK_REMEDIATION_ACTIVITY);
  const Candidate c = add(p);
  INFO(c.error);
  CHECK(c.accepted());
}

TEST_CASE("an action whose target kind is none needs no target parameter", "[loader][abi11]") {
  const ActionPlugin p(SIEMHUB_TARGET_NONE, nullptr, SIEMHUB_OCSF_REMEDIATION_ACTIVITY);
  const Candidate c = add(p);
  INFO(c.error);
  CHECK(c.accepted());
}

TEST_CASE("an action definition of the 1.0 size is accepted without reading the 1.1 fields", "[loader][abi11]") {
  // Garbage in the 1.1 fields, beyond the definition's struct_size: never read.
  const ActionPlugin p(77, "no-such-param", 1, static_cast<uint32_t>(SIEMHUB_ACTION_DEF_SIZE_1_0));
  const Candidate c = add(p);
  INFO(c.error);
  CHECK(c.accepted());
  CHECK_FALSE(SIEMHUB_HAS_FIELD(siemhub_action_def, target_param, SIEMHUB_ACTION_DEF_SIZE_1_0));
}

TEST_CASE("an action with an unknown or unset target kind is refused naming the action and the kinds", "[loader][abi11]") {
  const Candidate unknown = add(ActionPlugin(42, "ip", SIEMHUB_OCSF_REMEDIATION_ACTIVITY));
  CHECK_FALSE(unknown.accepted());
  CHECK(unknown.error ==
        "refused builtin test.action-def: malformed descriptor: action 'block' declares target kind 42, "
        "not one of host, user, ip, account, url, none");
  const Candidate unset = add(ActionPlugin(SIEMHUB_TARGET_UNSET, "ip", SIEMHUB_OCSF_REMEDIATION_ACTIVITY));
  CHECK_FALSE(unset.accepted());
  CHECK_THAT(unset.error, Catch::Contains("target kind 0 (unset), not one of"));
}

TEST_CASE("an action whose target parameter is missing or not in its params schema is refused", "[loader][abi11]") {
  const Candidate none = add(ActionPlugin(SIEMHUB_TARGET_HOST, nullptr, SIEMHUB_OCSF_REMEDIATION_ACTIVITY));
  CHECK_FALSE(none.accepted());
  CHECK_THAT(none.error, Catch::EndsWith("action 'block' targets a host but names no target_param (the parameter holding it)"));
  const Candidate missing = add(ActionPlugin(SIEMHUB_TARGET_USER, "user", SIEMHUB_OCSF_REMEDIATION_ACTIVITY));
  CHECK_FALSE(missing.accepted());
  CHECK_THAT(missing.error, Catch::EndsWith("action 'block': its target_param 'user' is not a property of its params_schema"));
}

TEST_CASE("an action reporting an OCSF class outside 7001 to 7004 is refused", "[loader][abi11]") {
  for (const uint32_t cls : {0u, 3002u, 7000u, 7005u}) {
    const Candidate c = add(ActionPlugin(SIEMHUB_TARGET_IP, "ip", cls));
    INFO(cls);
    CHECK_FALSE(c.accepted());
    CHECK_THAT(c.error, Catch::EndsWith("action 'block' reports OCSF class " + std::to_string(cls) +
                                        ", not a Remediation class (7001-7004)"));
  }
  for (const uint32_t cls : {7001u, 7002u, 7003u, 7004u}) CHECK(add(ActionPlugin(SIEMHUB_TARGET_IP, "ip", cls)).accepted());
}

TEST_CASE("the target kinds have their names and other values none", "[loader][abi11]") {
  CHECK(std::string(siemhub::plugins::target_kind_name(SIEMHUB_TARGET_ACCOUNT)) == "account");
  CHECK(std::string(siemhub::plugins::target_kind_name(SIEMHUB_TARGET_URL)) == "url");
  CHECK(siemhub::plugins::target_kind_name(SIEMHUB_TARGET_UNSET) == nullptr);
  CHECK(siemhub::plugins::target_kind_name(7) == nullptr);
}
