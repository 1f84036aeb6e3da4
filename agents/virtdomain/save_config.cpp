// Writing libvirt's definition of the domain back to its config file, and csync2.
#include "save_config.h"

#include <sys/stat.h>

#include <algorithm>

#include <fmt/format.h>

#include "atomic_file.h"
#include "config_file.h"
#include "domain_xml.h"

namespace ocfkit::virtdomain {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::seconds;

void save_config(Context& ctx, const Settings& s, Connection& c, const DomainRef& ref)
{
    if (!s.save_config) return;
    std::string xml;
    try {
        xml = c.definition_xml(ref);
    } catch (const HvError& e) {
        if (e.unreachable()) throw;
        ctx.log.warn("cannot save the definition of domain {} to {}: {}", ref.name, s.config, e.what());
        return;
    }
    DomainXmlResult parsed = parse_domain_xml(xml);
    if (!parsed.ok() || parsed.xml->name != ref.name) {
        ctx.log.warn("not saving the definition of domain {} to {}: libvirt returned {}", ref.name, s.config,
                     parsed.ok() ? "the domain " + parsed.xml->name : parsed.error.message);
        return;
    }
    // Bounded like every access to the config; a directory that does not answer is not written.
    ConfigRead current = read_config(s.config, read_briefly(s, ctx.deadline));
    if (current.unknown) {
        ctx.log.warn("not saving the definition of domain {}: {}", ref.name, current.problem);
        return;
    }
    if (current.text == xml) {
        ctx.log.debug("{} already holds the definition of domain {}", s.config, ref.name);
        return;
    }
    struct stat old {};
    std::optional<FileOwnership> keep;
    if (::stat(s.config.c_str(), &old) == 0) keep = FileOwnership{old.st_uid, old.st_gid, old.st_mode};
    if (auto problem = replace_file(s.config, xml, keep)) {
        ctx.log.warn("cannot save the definition of domain {} to {}: {}", ref.name, s.config, *problem);
        return;
    }
    ctx.log.info("saved the definition of domain {} to {}", ref.name, s.config);
    if (!s.sync_config) return;
    CommandSpec cmd;
    cmd.argv = {"csync2", "-x", s.config};
    cmd.timeout = std::min<milliseconds>(30s, std::max<milliseconds>(ctx.deadline.remaining() / 4, 1s));
    CommandResult r = ctx.runner.run(cmd, ctx.deadline);
    if (r.ok())
        ctx.log.info("synced {} with csync2", s.config);
    else
        ctx.log.warn("syncing {} failed: {}", s.config, failure_message(cmd, r));
}

}  // namespace ocfkit::virtdomain
