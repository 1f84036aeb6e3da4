// The saved-RAM files of one domain in save_dir, and the only code that knows their names:
// <name>.state (complete, start resumes it), <name>.state.partial (a save in progress or given
// up on) and <name>.state.restoring (a restore in progress, or one whose outcome is unknown).
#pragma once

#include <optional>
#include <string>

namespace ocfkit::virtdomain {

class SaveState {
public:
    // save_dir empty: saving is off; every query answers "nothing there".
    SaveState(std::string save_dir, std::string domain);

    bool enabled() const { return !dir_.empty(); }
    const std::string& image() const { return image_; }          // <name>.state
    const std::string& partial() const { return partial_; }      // <name>.state.partial
    const std::string& restoring() const { return restoring_; }  // <name>.state.restoring

    // A complete image start should resume.
    bool has_image() const;
    // A restore was begun and never confirmed: the guest may have run since, from that RAM.
    bool restore_unresolved() const;
    // Why start must not go on while restore_unresolved(), and how the admin resolves it.
    std::string unresolved_reason() const;

    // Saving: the image is written under partial(), and only a complete one gets image().
    // Each returns an error message on failure.
    std::optional<std::string> begin_save() const;  // removes a stale partial()
    std::optional<std::string> commit_save() const;  // partial() -> image()
    void abandon_save() const;                        // removes partial()

    // Restoring: image() is renamed to restoring() first, so a crash half-way never leaves an
    // image a later start would resume after the guest ran (and wrote its disks) again.
    std::optional<std::string> begin_restore() const;     // image() -> restoring()
    std::optional<std::string> finish_restore() const;    // the guest runs: removes restoring()
    // libvirt answered that the restore failed: nothing runs from it, image() is usable again.
    std::optional<std::string> restore_refused() const;   // restoring() -> image()
    // When libvirt did not answer (unreachable, timed out) restoring() stays: libvirtd may
    // still finish the restore, and then the guest runs and writes its disks.

private:
    std::string dir_;
    std::string domain_;
    std::string image_;
    std::string partial_;
    std::string restoring_;
};

}  // namespace ocfkit::virtdomain
