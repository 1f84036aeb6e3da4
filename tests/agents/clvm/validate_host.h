// The clvm executable's validate-all on a fake host, against the real lvmconfig reading an
// lvm.conf from tests/data/lvm-config/conf (LVM_SYSTEM_DIR): shared by the config and
// multipath tests.
#pragma once

#include <fstream>
#include <map>
#include <string>

#include "fake_host.h"

namespace clvm_test {

inline std::string exe() { return dlmlvm_test::env_or("OCFKIT_BUILD_ROOT", ".") + "/agents/clvm/clvm"; }

inline std::string conf(const std::string& name)
{
    return dlmlvm_test::env_or("OCFKIT_TEST_DATA", "tests/data") + "/lvm-config/conf/" + name;
}

struct ValidateHost : dlmlvm_test::FakeHost {
    ValidateHost() : FakeHost(exe())
    {
        std::ofstream(path("sys/kernel/config/dlm/cluster/cluster_name")) << "hacl\n";
        param("volgrpname", "vgcl");
    }
    dlmlvm_test::AgentRun validate(const std::string& lvm_conf, std::map<std::string, std::string> extra = {})
    {
        set("LVM_SYSTEM_DIR", conf(lvm_conf));
        return run("validate-all", std::move(extra));
    }
};

}  // namespace clvm_test
