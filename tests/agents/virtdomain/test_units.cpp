// Pure parts of virtdomain: domain XML, URIs, migration planning, the monitor's state table,
// and the committed meta-data.
#include "catch.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "domain_xml.h"
#include "libvirt_uri.h"
#include "qemu_process.h"
#include "migration.h"
#include "ocfkit/metadata.h"
#include "remembered.h"
#include "support.h"
#include "unreachable_evidence.h"
#include "virtdomain_agent.h"
#include "fake_hypervisor.h"

using namespace ocfkit;
using namespace ocfkit::virtdomain;

TEST_CASE("domain XML: name, UUID, emulator, disks and boot files", "[vd-xml]")
{
    auto r = parse_domain_xml(R"(<domain type='kvm'>
  <name> vm1 </name><uuid>1B4E28BA-2FA1-11D2-883F-0016D3CCA427</uuid>
  <os><kernel>/boot/k</kernel><initrd>/boot/i</initrd></os>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'><source file='/vm/a.qcow2'/><target dev='vda'/></disk>
    <disk type='block' device='disk'><source dev='/dev/drbd0'/><target dev='vdb'/><shareable/></disk>
    <disk type='file' device='cdrom'><target dev='hdc'/><readonly/></disk>
    <disk type='network' device='disk'><source protocol='rbd' name='p/i'/><target dev='vdc'/></disk>
  </devices></domain>)");
    REQUIRE(r.ok());
    CHECK(r.xml->name == "vm1");
    CHECK(r.xml->uuid == "1b4e28ba-2fa1-11d2-883f-0016d3cca427");
    CHECK(r.xml->type == "kvm");
    CHECK(r.xml->emulator == "/usr/bin/qemu-system-x86_64");
    CHECK(r.xml->boot_files == std::vector<std::string>{"/boot/k", "/boot/i"});
    REQUIRE(r.xml->disks.size() == 4);
    CHECK(r.xml->disks[0].source == "/vm/a.qcow2");
    CHECK(r.xml->disks[1].source == "/dev/drbd0");
    CHECK(r.xml->disks[1].shareable);
    CHECK(r.xml->disks[2].source.empty());
    CHECK(r.xml->disks[2].readonly);
    CHECK(r.xml->disks[3].source.empty());
}

TEST_CASE("domain XML: what is refused, and why", "[vd-xml]")
{
    CHECK_THAT(parse_domain_xml("<domain type='qemu'><name>x</nam></domain>").error.message,
               Catch::Contains("not well-formed"));
    CHECK_THAT(parse_domain_xml("").error.message, Catch::Contains("No document element"));
    CHECK_THAT(parse_domain_xml("<network><name>x</name></network>").error.message, Catch::Contains("<network>"));
    CHECK_THAT(parse_domain_xml("<domain><name>x</name></domain>").error.message, Catch::Contains("type"));
    CHECK_THAT(parse_domain_xml("<domain type='qemu'></domain>").error.message, Catch::Contains("no <name>"));
    CHECK_THAT(parse_domain_xml("<domain type='qemu'><name> </name></domain>").error.message, Catch::Contains("empty"));
    CHECK_THAT(parse_domain_xml("<domain type='qemu'><name>x</name><uuid>nope</uuid></domain>").error.message,
               Catch::Contains("not a UUID"));
}

TEST_CASE("domain XML: storage pools and networks the guest needs", "[vd-xml]")
{
    auto r = parse_domain_xml(R"(<domain type='qemu'><name>vm1</name><devices>
    <disk type='volume' device='disk'><source pool='vmpool' volume='a.qcow2'/><target dev='vda'/></disk>
    <disk type='volume' device='disk'><source pool='vmpool' volume='b.qcow2'/><target dev='vdb'/></disk>
    <disk type='volume' device='cdrom'><source pool='isos' volume='x.iso'/><target dev='hdc'/></disk>
    <interface type='network'><source network='default'/></interface>
    <interface type='bridge'><source bridge='br0'/></interface>
    <interface type='network'><source network='storage-net'/></interface>
  </devices></domain>)");
    REQUIRE(r.ok());
    CHECK(r.xml->pools == std::vector<std::string>{"vmpool", "isos"});
    CHECK(r.xml->networks == std::vector<std::string>{"default", "storage-net"});
}

TEST_CASE("with_uuid: the admin's XML plus the UUID of the defined domain", "[vd-xml]")
{
    const std::string uuid = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";
    std::string text = "<?xml version='1.0'?>\n<!-- vm1: keep this comment -->\n<domain type='qemu'>\n  <name>vm1</name>\n"
                       "  <memory unit='MiB'>64</memory>\n</domain>\n";
    std::string out = with_uuid(text, uuid);
    auto r = parse_domain_xml(out);
    REQUIRE(r.ok());
    CHECK(r.xml->uuid == uuid);
    CHECK(r.xml->name == "vm1");
    CHECK_THAT(out, Catch::Contains("<!-- vm1: keep this comment -->") && Catch::Contains("<?xml version") &&
                        Catch::Contains("<name>vm1</name><uuid>" + uuid + "</uuid>\n  <memory unit=\"MiB\">64</memory>"));
    // An existing <uuid> is replaced, not duplicated.
    std::string twice = with_uuid(out, "00000000-0000-4000-8000-000000000001");
    CHECK(parse_domain_xml(twice).xml->uuid == "00000000-0000-4000-8000-000000000001");
    CHECK(twice.find("<uuid>") == twice.rfind("<uuid>"));
}

TEST_CASE("domain names with spaces, paths or shell metacharacters are refused", "[vd-xml]")
{
    CHECK_FALSE(domain_name_problem("vm1"));
    CHECK_FALSE(domain_name_problem("ocfkit-test_vm.2+a:b@c"));
    CHECK(domain_name_problem(""));
    CHECK_THAT(*domain_name_problem("my vm"), Catch::Contains("whitespace"));
    CHECK_THAT(*domain_name_problem("vm;reboot"), Catch::Contains("';'"));
    CHECK_THAT(*domain_name_problem("vm$(id)"), Catch::Contains("'$'"));
    CHECK_THAT(*domain_name_problem("a/b"), Catch::Contains("'/'"));
    CHECK_THAT(*domain_name_problem("-rf"), Catch::Contains("starts with"));
    CHECK(domain_name_problem("vm\x01"));
    CHECK(valid_uuid("1b4e28ba-2fa1-11d2-883f-0016d3cca427"));
    CHECK(valid_uuid("1b4e28ba2fa111d2883f0016d3cca427"));
    CHECK_FALSE(valid_uuid("1b4e28ba-2fa1-11d2-883f-0016d3cca42"));
    CHECK_FALSE(valid_uuid("1b4e28ba-2fa111d2-883f-0016d3cca4270"));
    CHECK(normalize_uuid("1B4E28BA2FA111D2883F0016D3CCA427") == "1b4e28ba-2fa1-11d2-883f-0016d3cca427");
}

TEST_CASE("libvirt URIs: syntax", "[vd-uri]")
{
    auto u = parse_libvirt_uri("qemu:///system");
    REQUIRE(u.uri);
    CHECK(u.uri->driver == "qemu");
    CHECK(u.uri->local());
    CHECK(u.uri->path == "/system");

    u = parse_libvirt_uri("qemu+ssh://root@node2:2222/system?keyfile=/k");
    REQUIRE(u.uri);
    CHECK(u.uri->transport == "ssh");
    CHECK(u.uri->user == "root");
    CHECK(u.uri->host == "node2");
    CHECK(u.uri->port == 2222);
    CHECK(u.uri->query == "keyfile=/k");
    CHECK_FALSE(u.uri->local());
    CHECK(u.uri->str() == "qemu+ssh://root@node2:2222/system?keyfile=/k");

    u = parse_libvirt_uri("qemu+tcp://[fe80::1]/system");
    REQUIRE(u.uri);
    CHECK(u.uri->host == "fe80::1");
    CHECK(parse_libvirt_uri("qemu+unix:///system?socket=/run/x").uri->local());
    CHECK(parse_libvirt_uri("test:///default").uri);
    CHECK(parse_libvirt_uri("xen://").uri);

    CHECK_THAT(parse_libvirt_uri("foo:///system").error, Catch::Contains("unknown libvirt driver 'foo'"));
    CHECK_THAT(parse_libvirt_uri("qemu+pigeon://h/system").error, Catch::Contains("unknown libvirt transport"));
    CHECK_THAT(parse_libvirt_uri("qemu").error, Catch::Contains("not a libvirt URI"));
    CHECK_THAT(parse_libvirt_uri("qemu:///systen").error, Catch::Contains("/system or /session"));
    CHECK_THAT(parse_libvirt_uri("qemu+ssh:///system").error, Catch::Contains("needs a host"));
    CHECK_THAT(parse_libvirt_uri("qemu+tcp://h:99999/system").error, Catch::Contains("bad port"));
    CHECK_THAT(parse_libvirt_uri("qemu://h;rm/system").error, Catch::Contains("bad host"));
    CHECK_THAT(parse_libvirt_uri("qemu:///system x").error, Catch::Contains("whitespace"));
}

TEST_CASE("migration target URIs", "[vd-uri]")
{
    LibvirtUri local = *parse_libvirt_uri("qemu:///system").uri;
    CHECK(remote_uri(local, "ssh", "", "node2") == "qemu+ssh://node2/system?no_tty=1");
    CHECK(remote_uri(local, "tcp", "", "node2") == "qemu+tcp://node2/system");
    CHECK(remote_uri(local, "ssh", "admin", "node2") == "qemu+ssh://admin@node2/system?no_tty=1");
    CHECK(remote_uri(local, "", "", "node2") == "qemu://node2/system");
    LibvirtUri tcp = *parse_libvirt_uri("qemu+tcp://node1:16509/system?no_verify=1").uri;
    CHECK(remote_uri(tcp, "", "", "node2") == "qemu+tcp://node2:16509/system");
    CHECK(with_network_suffix("node2", "-mig") == "node2-mig");
    CHECK(with_network_suffix("node2.example.com", "-mig") == "node2-mig.example.com");
    CHECK(substitute_node("tcp://%n-mig:49152/%n", "n2") == "tcp://n2-mig:49152/n2");
}

TEST_CASE("migration plan from the agent's parameters", "[vd-plan]")
{
    MigrationSettings s;
    s.hypervisor = *parse_libvirt_uri("qemu:///system").uri;
    s.transport = "ssh";

    SECTION("plain ssh")
    {
        auto p = plan_migration(s, "node2");
        REQUIRE(p.plan);
        CHECK(p.plan->request.dest_uri == "qemu+ssh://node2/system?no_tty=1");
        CHECK(p.plan->request.migrate_uri.empty());
        CHECK_FALSE(p.plan->request.peer2peer);
        CHECK_FALSE(p.plan->request.persist_dest);
    }
    SECTION("network suffix gives the data channel too")
    {
        s.network_suffix = "-mig";
        s.migrateport = 49152;
        auto p = plan_migration(s, "node2.lab");
        REQUIRE(p.plan);
        CHECK(p.plan->request.dest_uri == "qemu+ssh://node2-mig.lab/system?no_tty=1");
        CHECK(p.plan->request.migrate_uri == "tcp://node2-mig.lab:49152");
    }
    SECTION("migrateuri wins over --migrateuri in the options")
    {
        s.options = "--migrateuri=tcp://other:1";
        auto p = plan_migration(s, "node2");
        CHECK(p.plan->request.migrate_uri == "tcp://other:1");
        s.migrateuri = "tcp://%n-data:49153";
        p = plan_migration(s, "node2");
        CHECK(p.plan->request.migrate_uri == "tcp://node2-data:49153");
    }
    SECTION("remoteuri with %n")
    {
        s.remoteuri = "qemu+tcp://%n.cluster/system";
        auto p = plan_migration(s, "node2");
        REQUIRE(p.plan);
        CHECK(p.plan->request.dest_uri == "qemu+tcp://node2.cluster/system");
        CHECK(p.plan->target == "node2.cluster");
    }
    SECTION("flags, speed, downtime, persistence")
    {
        s.options = "--p2p --tunnelled --compressed --auto-converge --parallel-connections 4 --bandwidth=50 --verbose";
        s.downtime_ms = 300;
        s.persistent = true;
        auto p = plan_migration(s, "node2");
        REQUIRE(p.plan);
        const auto& r = p.plan->request;
        CHECK(r.peer2peer);
        CHECK(r.tunnelled);
        CHECK(r.compressed);
        CHECK(r.auto_converge);
        CHECK(r.parallel_connections == 4);
        CHECK(r.bandwidth_mib_s == 50);
        CHECK(p.plan->downtime_ms == 300);
        CHECK(r.persist_dest);
        CHECK(r.undefine_source);
        s.speed_mib_s = 20;
        CHECK(plan_migration(s, "node2").plan->request.bandwidth_mib_s == 20);
    }
    SECTION("refusals name the parameter")
    {
        CHECK(plan_migration(s, "").parameter == "CRM_meta_migrate_target");
        s.options = "--live --frobnicate";
        auto p = plan_migration(s, "node2");
        CHECK(p.parameter == "migrate_options");
        CHECK_THAT(p.error, Catch::Contains("'--frobnicate'"));
        s.options = "--tunnelled";
        CHECK_THAT(plan_migration(s, "node2").error, Catch::Contains("--p2p"));
        s.options = "--parallel-connections=x";
        CHECK_THAT(plan_migration(s, "node2").error, Catch::Contains("positive number"));
        s.options = "--p2p=1";
        CHECK_THAT(plan_migration(s, "node2").error, Catch::Contains("takes no value"));
        s.options = "";
        s.remoteuri = "nonsense";
        CHECK(plan_migration(s, "node2").parameter == "remoteuri");
    }
}

TEST_CASE("monitor state table", "[vd-state]")
{
    auto code = [](DomainState s, int reason = 0) { return classify_state({s, reason, 1, 65536}, "vm").code; };
    CHECK(code(DomainState::Running) == ExitCode::Success);
    CHECK(code(DomainState::Blocked) == ExitCode::Success);
    CHECK(code(DomainState::ShuttingDown) == ExitCode::Success);
    CHECK(code(DomainState::PmSuspended) == ExitCode::Success);
    for (int r : {paused_reason::Unknown, paused_reason::User, paused_reason::Migration, paused_reason::Save,
                  paused_reason::Dump, paused_reason::FromSnapshot, paused_reason::ShuttingDown, paused_reason::Snapshot,
                  paused_reason::StartingUp, paused_reason::Postcopy})
        CHECK(code(DomainState::Paused, r) == ExitCode::Success);
    for (int r : {paused_reason::IoError, paused_reason::Watchdog, paused_reason::Crashed, paused_reason::PostcopyFailed,
                  paused_reason::ApiError})
        CHECK(code(DomainState::Paused, r) == ExitCode::ErrGeneric);
    for (int r : {shutoff_reason::Shutdown, shutoff_reason::Destroyed, shutoff_reason::Crashed, shutoff_reason::Saved})
        CHECK(code(DomainState::ShutOff, r) == ExitCode::NotRunning);
    CHECK(code(DomainState::Crashed) == ExitCode::ErrGeneric);
    CHECK(code(DomainState::NoState) == ExitCode::ErrGeneric);
    CHECK_THAT(classify_state({DomainState::Paused, paused_reason::IoError, 1, 1}, "vm").reason,
               Catch::Contains("paused (I/O error)"));
    CHECK_THAT(classify_state({DomainState::ShutOff, shutoff_reason::Crashed, 1, 1}, "vm").reason,
               Catch::Contains("shut off (crashed)"));
}

TEST_CASE("meta-data matches metadata/virtdomain.xml", "[vd-metadata]")
{
    test::FakeHypervisor fake;
    VirtDomainAgent agent(fake);
    std::string produced = render_metadata(agent.spec(), MetadataDialect::Ocf10);
    const char* root = std::getenv("OCFKIT_SOURCE_ROOT");
    REQUIRE(root);
    std::ifstream in(std::string(root) + "/metadata/virtdomain.xml");
    REQUIRE(in);
    std::stringstream committed;
    committed << in.rdbuf();
    CHECK(produced == committed.str());
    // 1.1 offers what 1.0 cannot say.
    std::string v11 = render_metadata(agent.spec(), MetadataDialect::Ocf11);
    CHECK_THAT(v11, Catch::Contains("deprecated"));
}

// The file stop and monitor trust for the domain's identity when the config cannot be read.
TEST_CASE("the remembered domain is read only from a file of our own, never through a symlink", "[vd-state]")
{
    test::TempDir tmp;
    std::string path = tmp.file("ocfkit-virtdomain-vm.state");
    REQUIRE_FALSE(store_remembered(path, Remembered{"vm1", "uuid-1", "/vm/vm1.xml", "qemu:///system", {}}));
    struct stat st {};
    REQUIRE(stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto m = load_remembered(path);
    REQUIRE(m);
    CHECK(m->name == "vm1");

    test::write_file(tmp.file("planted"), "name=other\nuuid=uuid-2\n");
    std::filesystem::remove(path);
    std::filesystem::create_symlink(tmp.file("planted"), path);
    std::string problem;
    CHECK_FALSE(load_remembered(path, &problem));
    CHECK_THAT(problem, Catch::Contains(path));

    std::filesystem::remove(path);
    test::write_file(path, "name=other\n");
    chmod(path.c_str(), 0666);
    CHECK_FALSE(load_remembered(path));
    REQUIRE(mkfifo(tmp.file("fifo").c_str(), 0600) == 0);
    CHECK_FALSE(load_remembered(tmp.file("fifo")));  // and does not block
}

TEST_CASE("the guest's systemd scope, from its qemu's /proc/<pid>/cgroup", "[vd-start]")
{
    // Captured on the VM cluster's Debian 12 node (libvirt 9.0, cgroup v2).
    CHECK(scope_from_cgroup("0::/machine.slice/machine-qemu\\x2d1\\x2dlabguest.scope/libvirt/emulator\n") ==
          "machine-qemu\\x2d1\\x2dlabguest.scope");
    // cgroup v1 (hybrid): systemd's own named hierarchy decides.
    CHECK(scope_from_cgroup("12:cpu,cpuacct:/machine.slice/machine-qemu\\x2d4\\x2dvm.scope\n"
                            "1:name=systemd:/machine.slice/machine-qemu\\x2d4\\x2dvm.scope\n0::/\n") ==
          "machine-qemu\\x2d4\\x2dvm.scope");
    // A service, not a scope (qemu started outside machined): nothing to order.
    CHECK_FALSE(scope_from_cgroup("0::/system.slice/ocfkit-cmdq.service\n"));
    CHECK_FALSE(scope_from_cgroup(""));
    CHECK_FALSE(scope_from_cgroup("0::/machine.slice/bad name.scope\n"));
}

TEST_CASE("unreachable evidence: written and read back; a text without its fields is no evidence", "[vd-state]")
{
    UnreachableEvidence e{std::chrono::system_clock::time_point(std::chrono::seconds(1796500000)), "monitor",
                          "qemu:///system", {"libvirtd", 4242, 123456789ULL}};
    std::string text = format_evidence(e);
    CHECK(text == "when=1796500000\noperation=monitor\nuri=qemu:///system\ndaemon=libvirtd\npid=4242\nstart=123456789\n");
    auto back = parse_evidence(text);
    REQUIRE(back);
    CHECK(back->when == e.when);
    CHECK(back->operation == "monitor");
    CHECK(back->uri == "qemu:///system");
    CHECK(back->daemon == e.daemon);
    CHECK(parse_evidence("future=1\n" + text + "garbage\n"));  // unknown keys and lines are skipped
    CHECK_FALSE(parse_evidence(""));
    CHECK_FALSE(parse_evidence("when=1796500000\nuri=qemu:///system\ndaemon=libvirtd\npid=4242\n"));  // no start
    CHECK_FALSE(parse_evidence("when=soon\nuri=qemu:///system\ndaemon=libvirtd\npid=4242\nstart=1\n"));
    CHECK_FALSE(parse_evidence("when=1\nuri=qemu:///system\ndaemon=libvirtd\npid=-3\nstart=1\n"));
    CHECK(evidence_path("/run/resource-agents/ocfkit-virtdomain-vm.state") ==
          "/run/resource-agents/ocfkit-virtdomain-vm.unreachable");
}
