// This node's DRBD: kernel module detection, status reads and drbdadm/drbdsetup calls.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ocfkit/agent.h"
#include "parse/drbd_status.h"
#include "parse/dump_xml.h"
#include "parse/proc_drbd.h"

namespace ocfkit::drbd {

enum class Kernel { NotLoaded, V84, V9 };

class DrbdNode {
public:
    explicit DrbdNode(Context& ctx);

    const std::string& resource() const { return resource_; }
    const std::string& conf() const { return conf_; }

    // /proc/drbd, read once per operation unless `reread`; nothing while the module is not loaded.
    const std::optional<ProcDrbd>& proc(bool reread = false);
    Kernel kernel(bool reread = false);

    // The resource's state. `cheap` lets an 8.4 monitor answer from /proc/drbd alone, using the
    // minors remembered from the last full read; everything else asks drbdsetup.
    ResourceStatus status(bool cheap = false);

    // drbdadm -c CONF COMMAND -- RESOURCE / drbdsetup COMMAND -- RESOURCE, bounded by `cap` and
    // the deadline: after "--" the name is never read as an option.
    CommandResult drbdadm(const std::string& command, std::chrono::milliseconds cap = std::chrono::seconds(60));
    CommandResult drbdsetup(const std::string& command, std::chrono::milliseconds cap = std::chrono::seconds(30));
    // `env` is added to the agent's own environment.
    CommandResult run(std::vector<std::string> argv, std::chrono::milliseconds cap,
                      std::map<std::string, std::string> env = {});

    // drbdadm dump-xml of the whole configuration; Failure(ErrInstalled) when unreadable here.
    DrbdConfig config();

    std::filesystem::path state_dir() const;     // /run/ocfkit/drbd-dual
    // <state_dir>/<resource><suffix>; Failure unless that stays a file directly in state_dir.
    std::filesystem::path state_file(std::string_view suffix) const;
    std::filesystem::path score_cache() const { return state_file(".score"); }
    void forget_minors() const;

    // The DRBD host name of this node: DRBD matches `on <host>` against uname -n.
    static std::string host_name();

private:
    std::optional<std::vector<int>> cached_minors() const;
    void remember_minors(const ResourceStatus& st) const;
    std::string config_fingerprint() const;
    [[noreturn]] void status_failed(const CommandSpec& spec, const CommandResult& r) const;

    Context& ctx_;
    std::string resource_;
    std::string conf_;
    std::string proc_path_;
    std::filesystem::path run_dir_;
    bool proc_read_ = false;
    std::optional<ProcDrbd> proc_;
};

}  // namespace ocfkit::drbd
