// dm-multipath maps of this node and the path devices under them, read from sysfs: the LVM
// device filter must accept a map and reject each of its paths.
#pragma once

#include <string>
#include <vector>

namespace ocfkit::clvm {

struct MultipathMap {
    std::string dm;                  // "dm-0"
    std::string name;                // "mpatha" (/dev/mapper/<name>)
    std::string uuid;                // "mpath-36001405..."
    std::vector<std::string> paths;  // block devices under it and their partitions: "sdb", "sdb1", "sdc"
};

// Every device-mapper device whose uuid starts with "mpath-" under <sys_root>/block, its paths
// from <dm>/slaves, sorted by name. kpartx's partition maps ("part1-mpath-...") are not maps of
// their own: their paths' partitions are listed with the whole map.
std::vector<MultipathMap> multipath_maps(const std::string& sys_root);

}  // namespace ocfkit::clvm
