// What `clevervm status` shows: one snapshot of cluster, resources, DRBD storage and guests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cluster_xml.h"
#include "ocfkit/parse/crm_mon.h"

namespace ocfkit::clevervm {

// LSB init script exit codes (LSB 3.0 "Init Script Actions").
enum class Lsb : int {
    Ok = 0,
    Generic = 1,
    InvalidArgs = 2,
    Unimplemented = 3,
    NoPrivilege = 4,
    NotInstalled = 5,
    NotConfigured = 6,
    NotRunning = 7,
};
// For `status` only.
enum class LsbStatus : int {
    Running = 0,
    Stopped = 3,
    Unknown = 4,
};

struct NodeView {
    std::string name;
    bool online = false;
    bool standby = false;
    bool maintenance = false;
    bool unclean = false;
    bool dc = false;
};

struct ClusterView {
    bool running = false;
    std::string error;  // why it is not running / could not be read
    std::string stack;
    std::string dc;
    bool quorum = false;
    std::string pacemaker_version;
    bool stonith_enabled = false;
    bool maintenance_mode = false;
    std::vector<NodeView> nodes;
};

// Instances of one resource with the same role are one row: "drbd-r0-clone Promoted node1 node2".
struct ResourceRow {
    std::string id;         // the clone/group id for members, else the primitive's id
    std::string member;     // the primitive inside a clone/group ("" for a top-level primitive)
    std::string agent;
    std::string role;
    std::string target_role;
    std::vector<std::string> nodes;
    bool failed = false;
    bool managed = true;
    bool promotable = false;
};

struct DrbdPeer {
    std::string name;
    std::string connection;  // "Connected", "StandAlone", ...
    std::string role;        // peer's role
    std::vector<std::string> disks;  // peer disk state per volume
    std::vector<std::string> replication;  // per volume
    std::optional<double> sync_done;  // percent, while resyncing
};

struct DrbdVolumeView {
    int volume = 0;
    int minor = -1;
    std::string device;  // /dev/drbdN
    std::string disk;
};

struct DrbdView {
    std::string resource;
    bool exists = false;
    std::string error;  // could not be read
    std::string role;
    std::vector<DrbdVolumeView> volumes;
    std::vector<DrbdPeer> peers;
};

struct FilesystemView {
    std::string mount_point;
    bool mounted = false;
    std::string device;   // mount source
    std::string fstype;
    std::string drbd_resource;  // when the device is a DRBD minor of a shown resource
    bool read_only = false;
    std::optional<std::uint64_t> size, used, free;  // bytes; free = available to users
    std::string error;
};

struct GuestView {
    std::string name;
    std::string resource;  // Pacemaker resource managing it ("" when none)
    bool exists = false;
    std::string state;     // "running", "paused", "shut off", ... ("" when unknown)
    bool managed_save = false;
    std::string error;
    // The Pacemaker resource's role and nodes (from crm_mon), when there is a resource.
    std::string resource_role;
    std::vector<std::string> resource_nodes;
};

struct StatusModel {
    std::string node;             // where clevervm ran
    std::string config_source;    // "" when no config file was used
    std::vector<std::string> notes;  // how things were discovered, warnings
    ClusterView cluster;
    std::vector<ResourceRow> resources;
    std::vector<parse::CrmFailure> failures;
    std::vector<parse::CrmResourceHistory> migration;  // node history entries with a fail count
    std::vector<parse::CrmBan> bans;
    std::vector<std::string> promotables;  // the DRBD promotable clone ids
    bool node_banned = false;     // a ban of a promotable on this node (clevervm migrate)
    std::vector<DrbdView> drbd;
    std::vector<FilesystemView> filesystems;
    std::string libvirt_error;    // libvirt could not be reached
    std::vector<GuestView> guests;
    LsbStatus service = LsbStatus::Unknown;
    std::string service_summary;  // "2 of 2 guests running here"
};

// Rows for crm_mon's resources, clone instances of one role merged.
std::vector<ResourceRow> resource_rows(const parse::CrmMon& mon);

}  // namespace ocfkit::clevervm
