// controld's fence agent check: which agents dlm.conf and the options name, the libraries the real
// dlm_stonith binaries of Debian 12 and 13 name (tests/data/dlm-stonith), and validate/start of the
// executable against a host root whose loader directories lack or hold libstonithd.so.26.
#include "catch.h"

#include <sys/stat.h>

#include "fake_host.h"
#include "fence_agents_parse.h"
#include "fence_helper.h"
#include "fixture.h"
#include "ocfkit/exit_code.h"
#include "ocfkit/env.h"
#include "ocfkit/host.h"

using namespace ocfkit;
using dlmlvm_test::FakeHost;
namespace fs = std::filesystem;

namespace {

std::string exe() { return dlmlvm_test::env_or("OCFKIT_BUILD_ROOT", ".") + "/agents/controld/controld"; }

void write(const std::string& path, const std::string& text)
{
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("fence agents from dlm.conf and options", "[fence-agents]")
{
    using dlm::fence_agents;
    const std::vector<std::string> none;
    CHECK(fence_agents("", none).agents == std::vector<std::string>{"dlm_stonith"});
    CHECK(fence_agents("# fence_all fence_x\nlog_debug=1\n", none).agents == std::vector<std::string>{"dlm_stonith"});
    CHECK(fence_agents("fence_all fence_ipmilan ipaddr=1.2.3.4\n", none).agents ==
          std::vector<std::string>{"fence_ipmilan"});
    CHECK(fence_agents("fence_all=fence_sbd\n", none).agents == std::vector<std::string>{"fence_sbd"});
    CHECK(fence_agents("device foo fence_foo ipaddr=1\nconnect foo node=1 port=1\n\n"
                       "device bar fence_bar\nconnect bar node=2\n",
                       none)
              .agents == std::vector<std::string>{"fence_bar", "fence_foo"});
    auto off = fence_agents("enable_fencing=0\n", none);
    CHECK_FALSE(off.fencing);
    CHECK(off.agents.empty());
    CHECK_FALSE(fence_agents("", {"-s", "0", "-f", "0"}).fencing);
    CHECK(fence_agents("enable_fencing=0\n", {"--enable_fencing", "1"}).agents ==
          std::vector<std::string>{"dlm_stonith"});
    CHECK(fence_agents("fence_all fence_x\n", {"--fence_all", "fence_y"}).agents == std::vector<std::string>{"fence_y"});
}

TEST_CASE("libraries named by the real dlm_stonith binaries", "[fence-agents]")
{
    for (const char* f : {"dlm-stonith/dlm_stonith-4.2.0-2-bookworm", "dlm-stonith/dlm_stonith-4.3.0-3-trixie"}) {
        INFO(f);
        auto elf = dlm::elf_libraries(test::read_fixture(f));
        REQUIRE(elf);
        CHECK(elf->elf_class == 2);
        CHECK(elf->machine == 62);  // EM_X86_64
        CHECK(elf->sonames == std::vector<std::string>{"libc.so.6", "libstonithd.so.26"});
    }
    CHECK_FALSE(dlm::elf_libraries("#!/bin/sh\necho libc.so.6\n"));
    CHECK_FALSE(dlm::elf_libraries("\x7f" "ELF"));
    CHECK_FALSE(dlm::elf_libraries(""));
}

TEST_CASE("every library /bin/sh names is found in this host's loader directories", "[fence-agents]")
{
    auto sh = read_small_file(fs::canonical("/bin/sh").string(), 16 << 20);
    REQUIRE(sh);
    auto elf = dlm::elf_libraries(*sh);
    REQUIRE(elf);
    REQUIRE_FALSE(elf->sonames.empty());
    auto dirs = controld::loader_dirs("");
    for (const auto& soname : elf->sonames) {
        INFO(soname);
        bool found = false;
        for (const auto& d : dirs) found = found || fs::exists(d + "/" + soname);
        CHECK(found);
    }
}

TEST_CASE("validate and start refuse a dlm_stonith whose libstonithd is missing", "[fence-agents]")
{
    FakeHost host(exe());
    const std::string bin = host.path("bin");
    const std::string libdir = host.path("usr/lib/x86_64-linux-gnu");
    const std::string stonith = test::read_fixture("dlm-stonith/dlm_stonith-4.3.0-3-trixie");
    write(bin + "/dlm_stonith", stonith);
    ::chmod((bin + "/dlm_stonith").c_str(), 0755);
    host.set("PATH", bin + ":" + dlmlvm_test::env_or("OCFKIT_SOURCE_ROOT", ".") +
                         "/tests/fake-tools/dlmlvm:/usr/sbin:/usr/bin:/sbin:/bin");
    // The loader's configuration as Debian's, libraries with an x86-64 ELF header.
    write(host.path("etc/ld.so.conf"), "include /etc/ld.so.conf.d/*.conf\n");
    write(host.path("etc/ld.so.conf.d/x86_64-linux-gnu.conf"), "# Multiarch support\n/usr/lib/x86_64-linux-gnu\n");
    const std::string elf64_header = stonith.substr(0, 64);
    write(libdir + "/libc.so.6", elf64_header);
    write(libdir + "/libstonithd.so.56", elf64_header);

    auto v = host.run("validate-all");
    CHECK(v.rc == 5);
    CHECK_THAT(v.reason, Catch::Contains("lacks libstonithd.so.26") && Catch::Contains("dlm_stonith") &&
                             Catch::Contains("ln -s libstonithd.so.56 /usr/lib/x86_64-linux-gnu/libstonithd.so.26"));
    {
        // What the cluster shows of it where dlm_stonith is /usr/sbin/dlm_stonith: agent, library and fix.
        std::string installed = v.reason;
        installed.replace(installed.find(bin), bin.size(), "/usr/sbin");
        CHECK(ocfkit::fit_exit_reason(installed) ==
              "fence agent /usr/sbin/dlm_stonith lacks libstonithd.so.26, so DLM fencing would hang: link it to "
              "Pacemaker's libstonithd [...]");
    }
    auto s = host.run("start");
    CHECK(s.rc == 5);
    CHECK_THAT(s.reason, Catch::Contains("libstonithd.so.26"));
    CHECK_FALSE(fs::exists(host.fake("calls.log")));  // refused before running anything

    SECTION("a library of another architecture does not count")
    {
        std::string elf32 = elf64_header;
        elf32[4] = 1;
        write(libdir + "/libstonithd.so.26", elf32);
        CHECK(host.run("validate-all").rc == 5);
    }
    SECTION("the alias makes it pass")
    {
        fs::create_symlink("libstonithd.so.56", libdir + "/libstonithd.so.26");
        auto ok = host.run("validate-all");
        CHECK(ok.rc == 0);
        CHECK(ok.reason.empty());
    }
    SECTION("dlm.conf turning DLM's fencing off needs no agent")
    {
        write(host.path("etc/dlm/dlm.conf"), "enable_fencing=0\n");
        CHECK(host.run("validate-all").rc == 0);
    }
    SECTION("an agent dlm.conf names that is not installed")
    {
        write(host.path("etc/dlm/dlm.conf"), "fence_all fence_nowhere\n");
        auto r = host.run("validate-all");
        CHECK(r.rc == 5);
        CHECK_THAT(r.reason, Catch::Contains("fence agent fence_nowhere") && Catch::Contains("not installed"));
    }
    SECTION("a monitor does not look")
    {
        CHECK(host.run("monitor", {{"OCF_RESKEY_CRM_meta_interval", "10000"}}).rc == 7);
    }
}
