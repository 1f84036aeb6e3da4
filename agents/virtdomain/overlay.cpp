// Creating the qcow2 overlay of backingfile with qemu-img, and filling it with virt-copy-in.
#include "overlay.h"

#include <filesystem>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ocfkit/parse/json.h"

namespace ocfkit::virtdomain {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

// The backing file's format as qemu-img sees it (qcow2, raw, ...): an overlay must name it.
std::string backing_format(Context& ctx, const std::string& backingfile)
{
    CommandSpec cmd;
    cmd.argv = {"qemu-img", "info", "--force-share", "--output=json", backingfile};
    cmd.timeout = 30s;
    CommandResult r = run_checked(ctx.runner, cmd, ctx.deadline);
    try {
        parse::Json info = parse::parse_json(r.out);
        const parse::Json* format = info.is_object() ? info.find("format") : nullptr;
        if (format && format->is_string() && !format->as_string().empty()) return format->as_string();
    } catch (const parse::ParseError& e) {
        fail(ExitCode::ErrGeneric, "{}: unreadable output: {}", cmd.display(), e.what());
    }
    fail(ExitCode::ErrGeneric, "{}: no \"format\" in its output", cmd.display());
}

}  // namespace

bool prepare_overlay(Context& ctx, const Settings& s)
{
    std::string overlay = s.overlay();
    std::error_code ec;
    bool usable = std::filesystem::exists(overlay, ec) && std::filesystem::file_size(overlay, ec) > 0 && !ec;
    if (usable && !s.stateless) {
        ctx.log.info("using the existing overlay {} (backing file {})", overlay, s.backingfile);
        return false;
    }
    std::string format = backing_format(ctx, s.backingfile);
    // Built aside and renamed: a failed create never leaves a half overlay under the real name.
    std::string fresh = overlay + ".ocfkit-new";
    std::filesystem::remove(fresh, ec);
    CommandSpec cmd;
    cmd.argv = {"qemu-img", "create", "-q", "-f", "qcow2", "-F", format, "-b", s.backingfile, fresh};
    cmd.timeout = 60s;
    CommandResult r = ctx.runner.run(cmd, ctx.deadline);
    if (!r.ok()) {
        std::filesystem::remove(fresh, ec);
        fail(r.status == CommandResult::Status::NotStarted ? exit_code_for_spawn_errno(r.spawn_errno) : ExitCode::ErrGeneric,
             "parameter 'backingfile': cannot create the overlay {}: {}", overlay, failure_message(cmd, r));
    }
    std::filesystem::rename(fresh, overlay, ec);
    if (ec) fail(ExitCode::ErrGeneric, "cannot rename {} to {}: {}", fresh, overlay, ec.message());
    ctx.log.info("created {} as a fresh qcow2 overlay of {} ({})", overlay, s.backingfile, format);
    if (!s.copyindirs.empty()) {
        CommandSpec copy;
        copy.argv = {"virt-copy-in", "-a", overlay, "--format=qcow2"};
        copy.argv.insert(copy.argv.end(), s.copyindirs.begin(), s.copyindirs.end());
        copy.argv.push_back("/");
        copy.timeout = ctx.deadline.remaining();
        CommandResult cr = ctx.runner.run(copy, ctx.deadline);
        if (!cr.ok())
            fail(cr.status == CommandResult::Status::NotStarted ? exit_code_for_spawn_errno(cr.spawn_errno)
                                                                : ExitCode::ErrGeneric,
                 "parameter 'copyindirs': {}", failure_message(copy, cr));
        ctx.log.info("copied {} into {}", fmt::join(s.copyindirs, " "), overlay);
    }
    return true;
}

}  // namespace ocfkit::virtdomain
