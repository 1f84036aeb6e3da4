// Fuzzes gfs2fs's parameter rules (fs_config): the input's lines are device, fstype, options,
// directory and status file prefix. No crash; a device is either a spec or a problem; options
// split and join back; normalised paths are canonical; udev escapes leave only safe bytes.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "fs_config.h"

using namespace ocfkit::gfs2fs;

namespace {

bool udev_safe(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80 ||
           (c != 0 && std::strchr("#+-.:=@_", c) != nullptr);
}

bool hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

void check_path(std::string_view p)
{
    if (p.empty() || p.front() != '/') return;
    std::string n = normalize_path(p);
    if (n.empty() || n.front() != '/' || normalize_path(n) != n) std::abort();
    if (n.find("//") != std::string::npos || n.find("/./") != std::string::npos) std::abort();
    if (n.size() > 1 && n.back() == '/') std::abort();
    if (!path_within(n, n) || !path_within(n, "/")) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string_view field[5];
    for (auto& f : field) {
        auto nl = text.find('\n');
        f = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    }
    auto [device, fstype, options, directory, prefix] = field;

    auto d = parse_device(device, fstype, options);
    if (d.spec.has_value() == !d.problem.empty()) std::abort();
    if (d.spec) {
        if (d.spec->value.empty()) std::abort();
        if (d.spec->kind == DeviceKind::Path && d.spec->value.front() != '/') std::abort();
        (void)d.spec->display();
        (void)d.spec->by_dir();
    }

    auto parts = split_options(options);
    std::string joined;
    for (std::size_t i = 0; i < parts.size(); ++i) joined += (i ? "," : "") + parts[i];
    if (joined != options) std::abort();
    if (auto v = option_value(options, "locktable"); v && !has_option(options, "locktable=" + *v)) std::abort();
    (void)expects_read_only(options);
    (void)options_problem(options, fstype, true);
    (void)options_problem(options, fstype, false);
    (void)fstype_problem(fstype);
    (void)classify_fstype(fstype);
    (void)clone_safe(fstype);

    if (!directory_problem(directory) && normalize_path(directory) == "/") std::abort();
    check_path(directory);
    check_path(device);
    (void)statusfile_prefix_problem(prefix);
    (void)status_file_path(directory, prefix, device, std::string(fstype), options);

    if (auto m = parse_fsck_mode(prefix)) (void)fsck_wanted(*m, fstype);
    (void)parse_force_unmount(prefix);

    std::string escaped = udev_escape(device);
    for (std::size_t i = 0; i < escaped.size(); ++i) {
        if (udev_safe(static_cast<unsigned char>(escaped[i]))) continue;
        if (escaped.compare(i, 2, "\\x") != 0 || i + 3 >= escaped.size() || !hex(escaped[i + 2]) ||
            !hex(escaped[i + 3]))
            std::abort();
        i += 3;
    }
    return 0;
}
