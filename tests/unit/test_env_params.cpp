// Environment conventions and parameter parsing against a table.
#include "catch.h"

#include "ocfkit/env.h"
#include "ocfkit/params.h"

using namespace ocfkit;

namespace {

AgentSpec table()
{
    return AgentSpec{
        .name = "t",
        .version = "1",
        .shortdesc = "s",
        .longdesc = "l",
        .params =
            {
                {.name = "path", .shortdesc = "p", .longdesc = "p", .required = true, .check = check::absolute_path()},
                {.name = "count", .type = ParamType::Integer, .shortdesc = "c", .longdesc = "c", .default_value = "3"},
                {.name = "flag", .type = ParamType::Boolean, .shortdesc = "f", .longdesc = "f", .default_value = "false"},
                {.name = "mode", .type = ParamType::Select, .shortdesc = "m", .longdesc = "m",
                 .default_value = "a", .choices = {"a", "b"}},
                {.name = "sig", .shortdesc = "s", .longdesc = "s", .default_value = "TERM", .check = check::signal_name()},
                {.name = "old_count", .shortdesc = "o", .longdesc = "o", .replaced_by = "count"},
            },
        .actions = {{.name = "start"}, {.name = "monitor", .timeout_s = 33}},
    };
}

}  // namespace

TEST_CASE("booleans and integers read like the shell agents read them", "[env]")
{
    CHECK(parse_bool("yes") == true);
    CHECK(parse_bool("TRUE") == true);
    CHECK(parse_bool("1") == true);
    CHECK(parse_bool("off") == false);
    CHECK_FALSE(parse_bool("maybe").has_value());
    CHECK(parse_int("42") == 42);
    CHECK(parse_int("-7") == -7);
    CHECK_FALSE(parse_int("4x").has_value());
    CHECK_FALSE(parse_int("").has_value());
}

TEST_CASE("meta attributes, probes and clone facts come from CRM_meta variables", "[env]")
{
    MapEnv env({{"OCF_RESKEY_CRM_meta_timeout", "20000"},
                {"OCF_RESKEY_CRM_meta_interval", "0"},
                {"OCF_RESKEY_CRM_meta_clone_max", "2"},
                {"OCF_RESKEY_CRM_meta_master_max", "2"},
                {"OCF_RESKEY_CRM_meta_notify_start_uname", " node1  node2 "},
                {"OCF_CHECK_LEVEL", "20"}});
    CHECK(env.op_timeout() == std::chrono::milliseconds(20000));
    CHECK(env.is_probe("monitor"));
    CHECK_FALSE(env.is_probe("start"));
    CHECK(env.is_clone());
    CHECK(env.clone_max() == 2);
    CHECK(env.promoted_max() == 2);
    CHECK(env.meta_list("notify-start-uname") == std::vector<std::string>{"node1", "node2"});
    CHECK(env.check_level() == 20);
    env.set("OCF_RESKEY_CRM_meta_interval", "10000");
    CHECK_FALSE(env.is_probe("monitor"));
    CHECK_FALSE(env.ocf_1_1());
    env.set("OCF_RA_VERSION_MAJOR", "1");
    env.set("OCF_RA_VERSION_MINOR", "1");
    CHECK(env.ocf_1_1());
}

TEST_CASE("a garbled check level reads as 0", "[env]")
{
    MapEnv env({{"OCF_CHECK_LEVEL", "deep"}});
    CHECK(env.check_level() == 0);
}

TEST_CASE("valid parameters parse with defaults", "[params]")
{
    AgentSpec spec = table();
    MapEnv env({{"OCF_RESKEY_path", "/srv/x"}, {"OCF_RESKEY_flag", "yes"}});
    Params p = Params::parse(spec, env);
    CHECK(p.problems().empty());
    CHECK(p.str("path") == "/srv/x");
    CHECK(p.integer("count") == 3);
    CHECK(p.boolean("flag"));
    CHECK(p.str("mode") == "a");
    CHECK(p.is_set("path"));
    CHECK_FALSE(p.is_set("count"));
}

TEST_CASE("list parameters split at any separator, empty pieces dropped", "[params]")
{
    AgentSpec spec = table();
    MapEnv env({{"OCF_RESKEY_path", " /a,,/b\t/c \n"}});
    Params p = Params::parse(spec, env);
    CHECK(p.list("path") == std::vector<std::string>{"/a,,/b", "/c"});
    CHECK(p.list("path", " ,\t") == std::vector<std::string>{"/a", "/b", "/c", "\n"});
    CHECK(p.list("path", " ,\t\n") == std::vector<std::string>{"/a", "/b", "/c"});
    CHECK(p.list("sig") == std::vector<std::string>{"TERM"});  // the default
    CHECK(p.list("old_count").empty());                       // neither value nor default
    CHECK(p.list("no_such_parameter").empty());
}

TEST_CASE("every problem names its parameter", "[params]")
{
    AgentSpec spec = table();
    MapEnv env({{"OCF_RESKEY_path", "relative/x"},
                {"OCF_RESKEY_count", "three"},
                {"OCF_RESKEY_flag", "perhaps"},
                {"OCF_RESKEY_mode", "c"},
                {"OCF_RESKEY_sig", "SIGNOPE"}});
    Params p = Params::parse(spec, env);
    REQUIRE(p.problems().size() == 5);
    std::vector<std::string> names;
    for (const auto& pr : p.problems()) {
        names.push_back(pr.name);
        CHECK(pr.code == ExitCode::ErrConfigured);
        CHECK_THAT(pr.message, Catch::Contains("parameter '" + pr.name + "'"));
    }
    CHECK(names == std::vector<std::string>{"path", "count", "flag", "mode", "sig"});
    CHECK_THROWS_AS(p.require_valid(), Failure);
}

TEST_CASE("a missing required parameter is a configuration error", "[params]")
{
    AgentSpec spec = table();
    MapEnv env;
    Params p = Params::parse(spec, env);
    REQUIRE(p.problems().size() == 1);
    CHECK(p.problems()[0].message == "parameter 'path' is required but not set");
    try {
        (void)p.str("path");
        FAIL("str() of a missing required parameter must throw");
    } catch (const Failure& f) {
        CHECK(f.code == ExitCode::ErrConfigured);
    }
}

TEST_CASE("a deprecated alias fills its replacement unless the new name is given", "[params]")
{
    AgentSpec spec = table();
    MapEnv env({{"OCF_RESKEY_path", "/x"}, {"OCF_RESKEY_old_count", "9"}});
    Params p = Params::parse(spec, env);
    CHECK(p.integer("count") == 9);
    CHECK(p.deprecated_used() == std::vector<std::string>{"old_count"});
    env.set("OCF_RESKEY_count", "5");
    CHECK(Params::parse(spec, env).integer("count") == 5);
}

TEST_CASE("ready-made checks", "[params]")
{
    CHECK(check::no_shell_meta()(std::string_view("vm-1.example_2")) == std::nullopt);
    CHECK(check::no_shell_meta()("vm1; rm -rf /").has_value());
    CHECK(check::no_shell_meta()("a$(b)").has_value());
    CHECK(check::max_length(4)("abcde").has_value());
    CHECK(check::integer_range(1, 10)("11").has_value());
    CHECK(check::integer_range(1, 10)("10") == std::nullopt);
    CHECK(signal_from_name("SIGKILL") == 9);
    CHECK(signal_from_name("TERM") == 15);
    CHECK(signal_from_name("15") == 15);
    CHECK_FALSE(signal_from_name("0").has_value());
    CHECK_FALSE(signal_from_name("BOGUS").has_value());
}
