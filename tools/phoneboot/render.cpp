#include "tools/phoneboot/render.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include <fmt/format.h>

#include "common/ascii.hpp"
#include "common/inventory.hpp"
#include "common/net.hpp"
#include "tools/phoneboot/leases.hpp"
#include "tools/phoneboot/table.hpp"

namespace pb::tools {
namespace {}  // namespace

RenderOutput render_files(const config::Model& model, const phone_template::Rendered& rendered,
                          const std::string& what) {
  RenderOutput r;
  if (model.provisiond.templates.empty()) {
    r.err = "phoneboot: no provisiond.templates in this configuration: nothing is rendered\n";
    r.exit_code = 1;
    return r;
  }
  std::string_view name = what;
  name.remove_prefix(std::min(name.find_first_not_of('/'), name.size()));
  if (!name.empty()) {
    for (const auto& f : rendered.files)
      if (ascii_iequals(f.name, name)) {
        r.out = f.content;
        return r;
      }
  }
  const auto mac = name.empty() ? std::nullopt : inventory::parse_mac(name);
  if (!name.empty() && !mac) {
    r.err = fmt::format("phoneboot: '{}' is neither a rendered file nor a MAC address\n", printable(what));
    r.exit_code = 1;
    return r;
  }
  Table table({"FILE", "BYTES", "TEMPLATE", "LINE", "PHONE"});
  std::size_t shown = 0;
  for (const auto& f : rendered.files) {
    if (mac && f.mac != *mac) continue;
    table.add({printable(f.name), std::to_string(f.content.size()), model.provisiond.templates[f.template_index].source,
               std::to_string(f.phone_line), f.phone_name.empty() ? "-" : printable(f.phone_name)});
    ++shown;
  }
  if (mac && shown == 0) {
    r.err = fmt::format("phoneboot: no file is rendered for {}\n", format_mac(*mac));
    r.exit_code = 1;
    return r;
  }
  r.out = table.str() + fmt::format("{} {}\n", shown, shown == 1 ? "file" : "files");
  return r;
}

int print_rendered(const config::Model& model, const std::string& what) {
  const auto rendered = phone_template::render_all(model);
  const auto r = render_files(model, rendered, what);
  std::fputs(r.err.c_str(), stderr);
  std::fwrite(r.out.data(), 1, r.out.size(), stdout);
  return r.exit_code;
}

}  // namespace pb::tools
