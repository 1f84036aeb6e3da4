// Which domain this resource is, and remembering it for stop and monitor.
#include "identity.h"

#include <fmt/format.h>

namespace ocfkit::virtdomain {

Resolved resolve(const Context& ctx, const Settings& s, bool use_remembered, bool need_config, const Deadline& until)
{
    Resolved r;
    r.remembered_path = remembered_path(ctx.env, s.config);
    std::string distrusted;
    r.remembered = load_remembered(r.remembered_path, &distrusted);
    if (!distrusted.empty()) ctx.log.warn("{}", distrusted);
    bool remembered = use_remembered && r.remembered;
    if (!remembered || need_config) r.config = read_config(s.config, until);
    const DomainXml* xml = r.config.xml ? &*r.config.xml : nullptr;
    if (remembered) {
        const Remembered& m = *r.remembered;
        r.id = Identity{m.name, m.uuid, m.hypervisor.empty() ? s.hypervisor : m.hypervisor, "what start remembered"};
        if (xml && xml->name != m.name)
            ctx.log.warn("{} now names domain '{}', but '{}' is the one started here; acting on '{}'", s.config, xml->name,
                         m.name, m.name);
        return r;
    }
    if (!s.domain.empty()) {
        r.id = Identity{s.domain, xml && xml->name == s.domain ? xml->uuid : "", s.hypervisor, "parameter 'domain'"};
        if (r.config.unknown)
            ctx.log.warn("{}; acting on domain '{}' from parameter 'domain'", r.config.problem, s.domain);
        return r;
    }
    if (xml) r.id = Identity{xml->name, xml->uuid, s.hypervisor, s.config};
    return r;
}

void remember(Context& ctx, const std::string& path, const Settings& s, const std::string& name, const std::string& uuid,
              const std::string& hypervisor)
{
    Remembered m{name, uuid, s.config, hypervisor, {}};
    if (auto e = store_remembered(path, m))
        ctx.log.warn("cannot remember domain {} for stop: {}; stop will need a readable config", name, *e);
}

}  // namespace ocfkit::virtdomain
