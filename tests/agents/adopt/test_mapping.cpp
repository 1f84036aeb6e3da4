// The parameter tables against the stock agents' own meta-data (tests/data/adopt/stock) and our
// agents' (metadata/*.xml): every stock parameter covered, every target one of ours.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <pugixml.hpp>

#include "catch.h"
#include "fixture.h"
#include "mapping.h"

using namespace ocfkit::adopt;

namespace {

struct StockCapture {
    std::string file;   // under tests/data/adopt/stock
    std::string agent;  // the stock agent it is the meta-data of
};

const std::vector<StockCapture> kCaptures{
    {"resource-agents-4.12/Filesystem.xml", "ocf:heartbeat:Filesystem"},
    {"resource-agents-4.16/Filesystem.xml", "ocf:heartbeat:Filesystem"},
    {"resource-agents-4.12/VirtualDomain.xml", "ocf:heartbeat:VirtualDomain"},
    {"resource-agents-4.16/VirtualDomain.xml", "ocf:heartbeat:VirtualDomain"},
    {"resource-agents-4.12/lvmlockd.xml", "ocf:heartbeat:lvmlockd"},
    {"resource-agents-4.16/lvmlockd.xml", "ocf:heartbeat:lvmlockd"},
    {"resource-agents-4.12/clvm.xml", "ocf:heartbeat:clvm"},
    {"resource-agents-4.16/clvm.xml", "ocf:heartbeat:clvm"},
    {"resource-agents-4.12/LVM-activate.xml", "ocf:heartbeat:LVM-activate"},
    {"resource-agents-4.16/LVM-activate.xml", "ocf:heartbeat:LVM-activate"},
    {"pacemaker-2.1.5/controld.xml", "ocf:pacemaker:controld"},
    {"pacemaker-3.0.0/controld.xml", "ocf:pacemaker:controld"},
    {"pacemaker-3.0.2/controld.xml", "ocf:pacemaker:controld"},
    {"drbd-utils-9.22/drbd.xml", "ocf:linbit:drbd"},
};

struct Param {
    std::string name;
    std::string type;
};

std::vector<Param> params_of(const std::string& xml, const std::string& what)
{
    pugi::xml_document doc;
    if (!doc.load_string(xml.c_str())) throw std::runtime_error(what + " is not XML");
    std::vector<Param> out;
    for (auto p : doc.select_nodes("/resource-agent/parameters/parameter"))
        out.push_back({p.node().attribute("name").value(), p.node().child("content").attribute("type").value()});
    if (out.empty()) throw std::runtime_error(what + " declares no parameter");
    return out;
}

std::string source_root()
{
    const char* r = std::getenv("OCFKIT_SOURCE_ROOT");
    return r && *r ? r : ".";
}

// Our agent's parameters, from the committed meta-data (which a test keeps equal to the agent's).
std::vector<Param> our_params(std::string_view agent)
{
    std::string path = source_root() + "/metadata/" + std::string(agent) + ".xml";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::stringstream s;
    s << in.rdbuf();
    return params_of(s.str(), path);
}

const Param* find(const std::vector<Param>& ps, std::string_view name)
{
    for (const auto& p : ps)
        if (p.name == name) return &p;
    return nullptr;
}

}  // namespace

TEST_CASE("every parameter of every captured stock agent is mapped or named unsupported", "[adopt-mapping]")
{
    std::size_t checked = 0;
    for (const auto& c : kCaptures) {
        const AgentMapping* m = find_mapping(c.agent);
        INFO(c.file);
        REQUIRE(m != nullptr);
        for (const auto& p : params_of(ocfkit::test::read_fixture("adopt/stock/" + c.file), c.file)) {
            INFO("stock parameter " << p.name << " of " << c.agent);
            CHECK(find_rule(*m, p.name) != nullptr);
            ++checked;
        }
    }
    CHECK(checked > 100);
}

TEST_CASE("every rule names a parameter some captured version of the stock agent has", "[adopt-mapping]")
{
    for (const auto& m : agent_mappings()) {
        std::set<std::string> known;
        bool any = false;
        for (const auto& c : kCaptures) {
            if (c.agent != m.stock) continue;
            any = true;
            for (const auto& p : params_of(ocfkit::test::read_fixture("adopt/stock/" + c.file), c.file)) known.insert(p.name);
        }
        INFO(m.stock);
        CHECK(any);
        for (const auto& r : m.rules) {
            INFO("rule for " << r.stock);
            CHECK(known.count(std::string(r.stock)) == 1);
        }
        for (const auto& d : m.defaults) CHECK(known.count(std::string(d.name)) == 1);
    }
}

TEST_CASE("every target is a parameter of our agent, of a type the rule can fill", "[adopt-mapping]")
{
    for (const auto& m : agent_mappings()) {
        auto ours = our_params(m.target);
        INFO(m.stock << " -> " << m.target);
        for (const auto& r : m.rules) {
            INFO("rule for " << r.stock);
            switch (r.kind) {
            case RuleKind::Same:
                CHECK(r.target == r.stock);
                [[fallthrough]];
            case RuleKind::Rename: {
                const Param* p = find(ours, r.target);
                REQUIRE(p != nullptr);
                // A shell boolean reads values ours would refuse (t, garbage = false): the rule must translate.
                if (p->type == "boolean") CHECK((r.type == ValueType::OcfBool || !r.accepted.empty()));
                if (p->type == "integer") CHECK((r.type == ValueType::Integer || !r.accepted.empty()));
                break;
            }
            case RuleKind::Drop:
            case RuleKind::Unsupported:
                CHECK(r.target.empty());
                CHECK(!r.why.empty());
                break;
            }
            if (!r.accepted.empty()) CHECK(!r.why.empty());
            if (r.type == ValueType::OcfBool)
                for (const auto& a : r.accepted) CHECK((a.stock == "true" || a.stock == "false"));
        }
        for (const auto& f : m.fixed) {
            INFO("fixed " << f.name);
            CHECK(find(ours, f.name) != nullptr);
            CHECK(!f.why.empty());
        }
    }
}

TEST_CASE("values: shell booleans, integers, single words, accepted lists", "[adopt-mapping]")
{
    const AgentMapping* fs = find_mapping("ocf:heartbeat:Filesystem");
    REQUIRE(fs);
    const ParamRule* fast = find_rule(*fs, "fast_stop");
    REQUIRE(fast);
    // Spellings ours reads alike stay as written; others become what the shell agent read.
    CHECK(judge_value(*fast, "yes").value == "yes");
    CHECK(judge_value(*fast, "T").value == "true");
    CHECK(judge_value(*fast, "nonsense").value == "false");
    const ParamRule* term = find_rule(*fs, "term_signals");
    REQUIRE(term);
    CHECK(judge_value(*term, " TERM ").ok);
    CHECK(judge_value(*term, " TERM ").value == "TERM");
    CHECK_FALSE(judge_value(*term, "TERM HUP").ok);
    const ParamRule* delay = find_rule(*fs, "signal_delay");
    CHECK(judge_value(*delay, "5").ok);
    CHECK_FALSE(judge_value(*delay, "5s").ok);
    const ParamRule* fsck = find_rule(*fs, "run_fsck");
    CHECK(judge_value(*fsck, "FORCE").ok);
    CHECK_FALSE(judge_value(*fsck, "yes").ok);

    const AgentMapping* lvm = find_mapping("ocf:heartbeat:lvmlockd");
    const ParamRule* adopt = find_rule(*lvm, "adopt");
    CHECK(judge_value(*adopt, "1").value == "true");
    CHECK(judge_value(*adopt, "0").value == "false");
    CHECK_FALSE(judge_value(*adopt, "2").ok);

    const AgentMapping* drbd = find_mapping("ocf:linbit:drbd");
    const ParamRule* connect = find_rule(*drbd, "connect_only_after_promote");
    CHECK(judge_value(*connect, "no").ok);
    CHECK(judge_value(*connect, "").ok);  // the shell reads an empty value as false
    auto v = judge_value(*connect, "yes");
    CHECK_FALSE(v.ok);
    CHECK(v.reason == connect->why);
    // drbd-dual implements it now: carried over as written.
    CHECK(judge_value(*find_rule(*drbd, "stop_outdates_secondary"), "yes").value == "yes");

    CHECK(find_mapping("ocf:heartbeat:IPaddr2") == nullptr);
    CHECK(find_mapping("ocf:custom:gfs2fs") == nullptr);
}
