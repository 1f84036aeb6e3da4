// Starting the pools and networks of a domain's XML before it runs.
#include "start_resources.h"

#include <fmt/format.h>

namespace ocfkit::virtdomain {

void activate_resources(Context& ctx, Connection& c, const DomainXml& x, const std::string& where, ExitCode missing)
{
    auto each = [&](const std::vector<std::string>& names, const char* what, auto activate) {
        for (const auto& name : names) {
            try {
                Activation a = activate(name);
                if (a == Activation::Started) ctx.log.info("started {} {} {}", what, name, where);
            } catch (const HvError& e) {
                if (e.unreachable()) throw;
                fail(e.kind() == HvErrorKind::NoObject ? missing : ExitCode::ErrGeneric,
                     "parameter 'start_resources': cannot start {} {} needed by domain {} {}: {}", what, name, x.name,
                     where, e.what());
            }
        }
    };
    each(x.pools, "storage pool", [&](const std::string& n) { return c.activate_pool(n); });
    each(x.networks, "network", [&](const std::string& n) { return c.activate_network(n); });
}

}  // namespace ocfkit::virtdomain
