// virtdomain's settings, read from its parameters; invalid ones fall back to their defaults.
#include "settings.h"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "agent_spec.h"
#include "hypervisor.h"

namespace ocfkit::virtdomain {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::optional<unsigned> parse_shutdown_modes(std::string_view text, std::string* error)
{
    unsigned modes = 0;
    std::string word;
    auto flush = [&]() -> bool {
        if (word.empty()) return true;
        if (word == "acpi") modes |= shutdown_mode::Acpi;
        else if (word == "agent") modes |= shutdown_mode::Agent;
        else if (word == "initctl") modes |= shutdown_mode::Initctl;
        else if (word == "signal") modes |= shutdown_mode::Signal;
        else if (word == "paravirt") modes |= shutdown_mode::Paravirt;
        else {
            if (error) *error = fmt::format("unknown shutdown mode '{}' (use acpi, agent, initctl, signal, paravirt, comma separated)", word);
            return false;
        }
        word.clear();
        return true;
    };
    for (char c : text) {
        if (c == ',' || c == ' ') {
            if (!flush()) return std::nullopt;
        } else {
            word += c;
        }
    }
    if (!flush()) return std::nullopt;
    return modes;
}


bool param_ok(const Params& p, std::string_view name)
{
    return std::none_of(p.problems().begin(), p.problems().end(), [&](const ParamProblem& pr) { return pr.name == name; });
}

// Stop gets the parameters even when some are invalid: a bad one falls back to its default.
std::string text_param(const Params& p, std::string_view name)
{
    if (param_ok(p, name)) return p.opt(name).value_or("");
    const ParamSpec* ps = agent_spec().param(name);
    return ps && ps->default_value ? *ps->default_value : "";
}

bool bool_param(const Params& p, std::string_view name)
{
    return parse_bool(text_param(p, name)).value_or(false);
}

std::optional<long long> int_param(const Params& p, std::string_view name)
{
    std::string t = text_param(p, name);
    if (t.empty()) return std::nullopt;
    return parse_int(t);
}

std::vector<std::string> words_of(const std::string& text)
{
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

Settings read_settings(const Context& ctx)
{
    const Params& p = ctx.params;
    Settings s;
    s.config = text_param(p, "config");
    s.hypervisor = text_param(p, "hypervisor");
    if (s.hypervisor.empty()) s.hypervisor = "qemu:///system";
    s.uri = parse_libvirt_uri(s.hypervisor).uri;
    s.domain = text_param(p, "domain");
    s.persistent = bool_param(p, "persistent");
    s.force_stop = bool_param(p, "force_stop");
    s.save_dir = text_param(p, "save_dir");
    while (s.save_dir.size() > 1 && s.save_dir.back() == '/') s.save_dir.pop_back();
    // VirtualDomain's `snapshot` both names the directory and turns saving on.
    const auto& dep = p.deprecated_used();
    bool snapshot_used = std::find(dep.begin(), dep.end(), "snapshot") != dep.end();
    s.save_on_stop = p.is_set("save_on_stop") && param_ok(p, "save_on_stop") ? bool_param(p, "save_on_stop") : snapshot_used;
    s.shutdown_modes = parse_shutdown_modes(text_param(p, "shutdown_mode"), nullptr).value_or(0);
    if (auto t = int_param(p, "shutdown_timeout"); t && *t >= 0) s.shutdown_timeout = seconds(*t);
    s.call_timeout = seconds(std::clamp<long long>(int_param(p, "call_timeout").value_or(10), 1, 600));
    s.unset_cpu = bool_param(p, "unset_utilization_cpu");
    s.unset_hv = bool_param(p, "unset_utilization_hv_memory");
    s.unset_host = bool_param(p, "unset_utilization_host_memory");
    // autoset_* default to true: an unset_* alone means "remove it", not "ignored" as in VirtualDomain.
    auto autoset = [&](std::string_view name, bool unset) { return bool_param(p, name) && !(unset && !p.is_set(name)); };
    s.util_cpu = autoset("autoset_utilization_cpu", s.unset_cpu);
    s.util_hv = autoset("autoset_utilization_hv_memory", s.unset_hv);
    s.util_host = autoset("autoset_utilization_host_memory", s.unset_host);
    s.shared_fs = words_of(text_param(p, "shared_fs_types"));
    s.monitor_scripts = words_of(text_param(p, "monitor_scripts"));
    s.sync_config = bool_param(p, "sync_config_on_stop");
    s.save_config = bool_param(p, "save_config_on_stop") || s.sync_config;
    s.backingfile = text_param(p, "backingfile");
    s.stateless = bool_param(p, "stateless");
    s.copyindirs = words_of(text_param(p, "copyindirs"));
    s.start_resources = bool_param(p, "start_resources");
    return s;
}

}  // namespace ocfkit::virtdomain
