// clevervm.conf parsing and the XML readers (CIB primitives, domain names); crm_mon's node history
// and bans are lib's parse_crm_mon_history (tests/parse).
#include "catch.h"

#include <cstdio>
#include <unistd.h>

#include "cluster_xml.h"
#include "config.h"
#include "fakes.h"

using namespace ocfkit::clevervm;
using ocfkit::clevervm::testing::fixture;

TEST_CASE("a full config is read with comments, lists and guest:resource pairs", "[config]")
{
    Config c = parse_config("# clevervm\n"
                            "drbd_resource = r0\n"
                            "promotable=drbd-r0-clone   # the DRBD clone\n"
                            "guests = web:web-vm, db\n"
                            "mounts = /mnt/gfs /srv\n"
                            "libvirt_uri = qemu:///system\n"
                            "wait = 30\n",
                            "test.conf");
    CHECK(c.source == "test.conf");
    CHECK(c.drbd_resource == "r0");
    CHECK(c.promotable == "drbd-r0-clone");
    REQUIRE(c.guests.has_value());
    REQUIRE(c.guests->size() == 2);
    CHECK((*c.guests)[0].name == "web");
    CHECK((*c.guests)[0].resource == "web-vm");
    CHECK((*c.guests)[1].name == "db");
    CHECK((*c.guests)[1].resource.empty());
    CHECK(*c.mounts == std::vector<std::string>{"/mnt/gfs", "/srv"});
    CHECK(c.wait == std::chrono::seconds(30));
}

TEST_CASE("an empty config leaves everything to discovery", "[config]")
{
    Config c = parse_config("\n# nothing\n\n", "x");
    CHECK_FALSE(c.drbd_resource);
    CHECK_FALSE(c.promotable);
    CHECK_FALSE(c.guests);
    CHECK_FALSE(c.mounts);
    CHECK(c.libvirt_uri == "qemu:///system");
    CHECK(c.wait == std::chrono::seconds(120));
}

TEST_CASE("bad config lines are errors naming file, line and key", "[config]")
{
    auto message = [](const char* text) {
        try {
            parse_config(text, "/etc/ocfkit/clevervm.conf");
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(message("guests = a\nguest = b\n") == "/etc/ocfkit/clevervm.conf:2: unknown key 'guest' (known: drbd_resource, "
                                               "promotable, guests, mounts, libvirt_uri, wait, call_timeout)");
    CHECK(message("drbd_resource r0\n") == "/etc/ocfkit/clevervm.conf:1: expected 'key = value', got 'drbd_resource r0'");
    CHECK(message("wait =\n").find(":1: wait has no value") != std::string::npos);
    CHECK(message("wait = 0\n").find("between 1 and 86400") != std::string::npos);
    CHECK(message("wait = 5s\n").find("wait '5s'") != std::string::npos);
    CHECK(message("call_timeout = 3601\n").find("call_timeout '3601' is not a number of seconds between 1 and 3600") !=
          std::string::npos);
    CHECK(parse_config("call_timeout = 60\n", "c").call_timeout == std::chrono::seconds(60));
    CHECK(parse_config("", "c").call_timeout == std::chrono::seconds(5));
    CHECK(message("promotable = 1clone\n").find("not a Pacemaker resource id") != std::string::npos);
    CHECK(message("guests = web:9bad\n").find("'9bad' in 'web:9bad'") != std::string::npos);
    CHECK(message("guests = web web\n").find("web is listed twice") != std::string::npos);
    CHECK(message("mounts = mnt\n").find("'mnt' is not an absolute path") != std::string::npos);
    CHECK(message("drbd_resource = r0 r1\n").find("not one DRBD resource name") != std::string::npos);
    CHECK(message("libvirt_uri = system\n").find("not a libvirt URI") != std::string::npos);
    CHECK(message("wait = 1\nwait = 2\n") == "/etc/ocfkit/clevervm.conf:2: wait is set twice");
}

TEST_CASE("a missing config file is fine unless it was asked for", "[config]")
{
    Config c = load_config("/nonexistent/clevervm.conf", false);
    CHECK(c.source.empty());
    CHECK_THROWS_WITH(load_config("/nonexistent/clevervm.conf", true),
                      "cannot read /nonexistent/clevervm.conf: No such file or directory");
    char path[] = "/tmp/clevervm-conf-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, "guests = g1\n", 12) == 12);
    close(fd);
    Config d = load_config(path, true);
    CHECK(d.source == path);
    CHECK(d.guests->at(0).name == "g1");
    std::remove(path);
}

TEST_CASE("CIB primitives with agent, parent, promotability and parameters (pcs-made CIB)", "[cluster-xml]")
{
    auto prims = parse_cib_primitives(fixture("clevervm/cib-resources-drbd-gfs2-guests.xml"));
    REQUIRE(prims.size() == 4);
    CHECK(prims[0].id == "drbd-r0");
    CHECK(prims[0].agent() == "ocf:custom:drbd-dual");
    CHECK(prims[0].parent == "drbd-r0-clone");
    CHECK(prims[0].promotable);
    CHECK(prims[0].params.at("drbd_resource") == "r0");
    CHECK(prims[1].id == "gfs0");
    CHECK_FALSE(prims[1].promotable);
    CHECK(prims[1].params.at("directory") == "/mnt/gfs");
    CHECK(prims[2].id == "web");
    CHECK(prims[2].parent.empty());
    CHECK(prims[2].params.at("config") == "/mnt/gfs/guests/web.xml");
    CHECK_THROWS_AS(parse_cib_primitives("<status/>"), ocfkit::parse::ParseError);
}

TEST_CASE("a domain's name comes from its XML", "[cluster-xml]")
{
    CHECK(domain_name("<domain type='qemu'>\n  <name> web </name>\n</domain>") == "web");
    CHECK_FALSE(domain_name("<domain/>"));
    CHECK_FALSE(domain_name("<network><name>x</name></network>"));
    CHECK_FALSE(domain_name("garbage"));
}
