// Both meta-data dialects from one table. (Schema validity is checked in the conformance tier.)
#include "catch.h"
#include <pugixml.hpp>

#include "../testagent/test_agent.h"
#include "ocfkit/metadata.h"

using namespace ocfkit;

namespace {

pugi::xml_document load(const std::string& xml)
{
    pugi::xml_document doc;
    REQUIRE(doc.load_string(xml.c_str(), pugi::parse_default | pugi::parse_doctype));
    return doc;
}

}  // namespace

TEST_CASE("OCF 1.0 dialect: DOCTYPE, no 1.1-only features, descriptions carry them", "[metadata]")
{
    testagent::TestAgent agent;
    std::string xml = render_metadata(agent.spec(), MetadataDialect::Ocf10);
    CHECK_THAT(xml, Catch::Contains("<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\">"));
    CHECK_THAT(xml, !Catch::Contains("reloadable=\""));
    CHECK_THAT(xml, !Catch::Contains("reload-agent"));
    CHECK_THAT(xml, !Catch::Contains("type=\"select\""));
    CHECK_THAT(xml, !Catch::Contains("<deprecated"));
    auto doc = load(xml);
    auto ra = doc.child("resource-agent");
    CHECK(std::string(ra.attribute("name").value()) == "ocfkit-test");
    CHECK(std::string(ra.child_value("version")) == "1.0");
    auto mode = ra.child("parameters").find_child_by_attribute("parameter", "name", "mode");
    CHECK(std::string(mode.child("content").attribute("type").value()) == "string");
    CHECK_THAT(std::string(mode.child_value("longdesc")), Catch::Contains("Allowed values: plain, promotable."));
    auto state = ra.child("parameters").find_child_by_attribute("parameter", "name", "state");
    CHECK(std::string(state.attribute("unique").value()) == "1");
    CHECK(std::string(state.attribute("required").value()) == "1");
    auto old = ra.child("parameters").find_child_by_attribute("parameter", "name", "old_message");
    CHECK_THAT(std::string(old.child_value("longdesc")), Catch::Contains("Deprecated: use 'message' instead."));
}

TEST_CASE("OCF 1.1 dialect: reload-agent, reloadable, select, deprecated", "[metadata]")
{
    testagent::TestAgent agent;
    std::string xml = render_metadata(agent.spec(), MetadataDialect::Ocf11);
    CHECK_THAT(xml, !Catch::Contains("DOCTYPE"));
    auto doc = load(xml);
    auto ra = doc.child("resource-agent");
    CHECK(std::string(ra.child_value("version")) == "1.1");
    CHECK(ra.child("actions").find_child_by_attribute("action", "name", "reload-agent"));
    auto params = ra.child("parameters");
    CHECK(std::string(params.find_child_by_attribute("parameter", "name", "message").attribute("reloadable").value()) == "1");
    auto mode = params.find_child_by_attribute("parameter", "name", "mode");
    CHECK(std::string(mode.child("content").attribute("type").value()) == "select");
    CHECK(std::distance(mode.child("content").children("option").begin(), mode.child("content").children("option").end()) == 2);
    auto old = params.find_child_by_attribute("parameter", "name", "old_message");
    CHECK(std::string(old.child("deprecated").child("replaced-with").attribute("name").value()) == "message");
    CHECK(std::string(params.find_child_by_attribute("parameter", "name", "state").attribute("unique-group").value()) == "state");
}

TEST_CASE("actions carry timeout, interval, depth and role", "[metadata]")
{
    testagent::TestAgent agent;
    auto doc = load(render_metadata(agent.spec(), MetadataDialect::Ocf10));
    int monitors = 0;
    for (auto a : doc.child("resource-agent").child("actions").children("action")) {
        CHECK(std::string(a.attribute("timeout").value()).back() == 's');
        if (std::string(a.attribute("name").value()) == "monitor") {
            ++monitors;
            CHECK(a.attribute("interval"));
            CHECK(std::string(a.attribute("depth").value()) == "0");
        }
    }
    CHECK(monitors == 3);
}

TEST_CASE("text is escaped, never emitted raw", "[metadata]")
{
    AgentSpec spec{.name = "x", .version = "1", .shortdesc = "a <b> & \"c\"", .longdesc = "]]> <!--",
                   .params = {{.name = "p", .shortdesc = "<", .longdesc = "&"}}, .actions = {{.name = "start"}}};
    std::string xml = render_metadata(spec, MetadataDialect::Ocf10);
    auto doc = load(xml);
    CHECK(std::string(doc.child("resource-agent").child_value("shortdesc")) == "a <b> & \"c\"");
    CHECK(std::string(doc.child("resource-agent").child_value("longdesc")) == "]]> <!--");
}
