// The saved-RAM files of one domain: names, and the renames that move an image through
// saving, saved, restoring and gone.
#include "save_state.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

namespace ocfkit::virtdomain {

namespace {

// lstat: a symlink planted under the name counts as "there" and is never followed.
bool present(const std::string& path)
{
    struct stat st {};
    return !path.empty() && ::lstat(path.c_str(), &st) == 0;
}

std::optional<std::string> move(const std::string& from, const std::string& to)
{
    if (::rename(from.c_str(), to.c_str()) != 0)
        return fmt::format("cannot rename {} to {}: {}", from, to, std::strerror(errno));
    return std::nullopt;
}

std::optional<std::string> remove_if_there(const std::string& path)
{
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return fmt::format("cannot remove {}: {}", path, std::strerror(errno));
    return std::nullopt;
}

}  // namespace

SaveState::SaveState(std::string save_dir, std::string domain) : dir_(std::move(save_dir)), domain_(std::move(domain))
{
    while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
    if (dir_.empty()) return;
    image_ = fmt::format("{}/{}.state", dir_, domain_);
    partial_ = image_ + ".partial";
    restoring_ = image_ + ".restoring";
}

bool SaveState::has_image() const { return present(image_); }

bool SaveState::restore_unresolved() const { return present(restoring_); }

std::string SaveState::unresolved_reason() const
{
    // What to do first, the file names after: the cluster shows 128 bytes.
    return fmt::format(
        "a restore had no answer: check on every node whether {} runs; if it runs nowhere, remove {} (boot "
        "afresh) or, only if that guest never ran since, rename it to {} (resume it); then clean up the "
        "resource (libvirt did not answer, so the guest may have been resumed from that file and written its "
        "disks since)",
        domain_, restoring_, image_);
}

std::optional<std::string> SaveState::begin_save() const { return remove_if_there(partial_); }

std::optional<std::string> SaveState::commit_save() const { return move(partial_, image_); }

void SaveState::abandon_save() const { (void)remove_if_there(partial_); }

std::optional<std::string> SaveState::begin_restore() const { return move(image_, restoring_); }

std::optional<std::string> SaveState::finish_restore() const { return remove_if_there(restoring_); }

std::optional<std::string> SaveState::restore_refused() const { return move(restoring_, image_); }

}  // namespace ocfkit::virtdomain
