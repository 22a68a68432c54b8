#include "common/phone_template.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "common/ascii.hpp"
#include "common/config/dhcpd.hpp"
#include "common/config/model.hpp"

namespace pb::phone_template {
namespace {

namespace fs = std::filesystem;

// A template larger than this is not a phone's configuration: refuse it rather than render it per phone.
constexpr std::uintmax_t max_source_bytes = 1 << 20;

std::string trimmed_lower(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return ascii_lower(s.substr(first, s.find_last_not_of(" \t") - first + 1));
}

std::string template_key(std::size_t i) { return "provisiond.templates[" + std::to_string(i) + "]"; }

tmpl::Object site_data(const config::Model& model) {
  const auto& site = model.site;
  tmpl::Object o;
  o.set("domain", site.domain)
      .set("address", site.address.address.str())
      .set("timezone", site.timezone)
      .set("vlan", site.vlan ? std::to_string(*site.vlan) : "")
      .set("provision_url", site.effective_provision_url())
      .set("provision_host", "provision." + site.domain)
      .set("sip_port", std::to_string(site.sip_port))
      .set("sips_port", std::to_string(site.sips_port))
      .set("time_server", model.sntpd.common.enabled ? site.address.address.str() : "");
  return o;
}

std::vector<tmpl::Object> call_servers(const config::Model& model) {
  std::vector<tmpl::Object> out;
  for (const auto& s : model.site.call_server) {
    tmpl::Object o;
    o.set("index", std::to_string(out.size() + 1))
        .set("name", s.name)
        .set("fqdn", s.name + "." + model.site.domain)
        .set("address", s.address.str());
    out.push_back(std::move(o));
  }
  return out;
}

// Every field but the extra columns, from one row (the schema uses an empty row).
tmpl::Object row_data(const config::Model& model, const inventory::Phone& phone) {
  std::string colon = phone.mac ? format_mac(*phone.mac) : "";
  std::string upper = phone.mac_hex();
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  tmpl::Object o;
  o.set("mac", phone.mac_hex())
      .set("mac_upper", upper)
      .set("mac_colon", colon)
      .set("name", phone.name)
      .set("template", phone.template_name)
      .set("type", phone.type)
      .set("manufacturer", phone.manufacturer)
      .set("model", phone.model)
      .set("proxy_group", phone.proxy_group)
      .set("extension", phone.extension)
      .set("identification_address", phone.identification_address)
      .set("label", phone.label)
      .set("address", phone.address)
      .set("ip", phone.ip ? phone.ip->str() : "")
      .set_object("site", site_data(model))
      .set_list("call_servers", call_servers(model));
  return o;
}

// Extra columns never replace a field of the row: "Model" in a Template-layout list is still `model`.
void add_column(tmpl::Object& o, std::string_view header, std::string value) {
  std::string name = column_name(header);
  if (name.empty() || o.fields.contains(name)) return;
  o.set(std::move(name), std::move(value));
}

struct Source {
  std::optional<tmpl::Template> compiled;
  tmpl::Escape escape = tmpl::Escape::none;
};

// `shown` is the path as the configuration wrote it: messages name what the administrator typed.
std::optional<std::string> read_source(const fs::path& path, const std::string& shown, std::string& why) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) {
    why = "cannot read '" + shown + "': " + ec.message();
    return std::nullopt;
  }
  if (size > max_source_bytes) {
    why = "'" + shown + "' is larger than 1 MiB";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    why = "cannot read '" + shown + "'";
    return std::nullopt;
  }
  return std::move(text).str();
}

Source compile_source(const config::Model& model, std::size_t i, const tmpl::Object& schema, Rendered& out) {
  const auto& t = model.provisiond.templates[i];
  const fs::path path = fs::path(t.source).is_absolute() ? fs::path(t.source) : fs::path(model.directory) / t.source;
  Source src;
  std::string why;
  auto text = read_source(path, t.source, why);
  if (!text) {
    out.problems.push_back({true, template_key(i) + ".source", why});
    return src;
  }
  src.escape = t.escape == "xml"    ? tmpl::Escape::xml
               : t.escape == "none" ? tmpl::Escape::none
                                    : tmpl::detect_escape(*text);
  auto compiled = tmpl::Template::compile(*text, schema);
  if (!compiled) {
    const auto& e = compiled.error();
    out.problems.push_back(
        {true, template_key(i) + ".source",
         t.source + ":" + std::to_string(e.line) + ":" + std::to_string(e.column) + ": " + e.message});
    return src;
  }
  src.compiled.emplace(std::move(compiled).value());
  return src;
}

bool selects(const config::ProvisiondTemplate& t, const inventory::Phone& phone) {
  if (!phone.mac) return false;
  if (!t.if_template.empty() && trimmed_lower(t.if_template) != trimmed_lower(phone.template_name)) return false;
  if (!t.if_model.empty() && trimmed_lower(t.if_model) != trimmed_lower(phone.model)) return false;
  return true;
}

std::string file_name(const std::string& pattern, const inventory::Phone& phone) {
  std::string name = pattern;
  const auto at = name.find(mac_placeholder);
  if (at != std::string::npos) name.replace(at, mac_placeholder.size(), phone.mac_hex());
  name.erase(0, name.find_first_not_of('/'));
  return name;
}

}  // namespace

std::string column_name(std::string_view header) {
  std::string out;
  bool gap = false;
  for (char c : header) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) && u < 0x80) {
      if (gap && !out.empty()) out += '_';
      out += static_cast<char>(std::tolower(u));
      gap = false;
    } else {
      gap = true;
    }
  }
  return out;
}

tmpl::Object schema(const config::Model& model, const inventory::Inventory& inventory) {
  tmpl::Object o = row_data(model, inventory::Phone{});
  for (const auto& phone : inventory.phones)
    for (const auto& [header, value] : phone.extra) add_column(o, header, "");
  return o;
}

tmpl::Object phone_data(const config::Model& model, const inventory::Phone& phone) {
  tmpl::Object o = row_data(model, phone);
  for (const auto& [header, value] : phone.extra) add_column(o, header, value);
  return o;
}

bool Rendered::ok() const noexcept {
  return std::none_of(problems.begin(), problems.end(), [](const Problem& p) { return p.error; });
}

Rendered render_all(const config::Model& model) {
  Rendered out;
  const auto& templates = model.provisiond.templates;
  if (templates.empty()) return out;
  if (model.site.inventory.empty()) {
    out.problems.push_back({true, "provisiond.templates",
                            "templates render one file per phone of site.inventory, "
                            "which is not set"});
    return out;
  }
  const std::string inventory_file = config::inventory_path(model);
  // An unreadable inventory is the site check's error (line 0); bad rows are dhcpd's warnings.
  const inventory::Inventory inventory = inventory::load(inventory_file);
  const tmpl::Object shape = schema(model, inventory);

  std::vector<Source> sources;
  for (std::size_t i = 0; i < templates.size(); ++i) sources.push_back(compile_source(model, i, shape, out));

  // The first template to name a file for a phone wins; a second one is a mistake worth a warning, once.
  std::map<std::string, std::size_t> owner;  // lower-cased name -> index into out.files
  std::map<std::pair<std::size_t, std::size_t>, bool> warned;
  for (std::size_t i = 0; i < templates.size(); ++i) {
    if (!sources[i].compiled) continue;
    for (const auto& phone : inventory.phones) {
      if (!selects(templates[i], phone)) continue;
      std::string name = file_name(templates[i].file, phone);
      auto [it, fresh] = owner.emplace(ascii_lower(name), out.files.size());
      if (!fresh) {
        const File& first = out.files[it->second];
        if (!warned[{first.template_index, i}]) {
          warned[{first.template_index, i}] = true;
          out.problems.push_back({false, template_key(i) + ".file",
                                  "'" + name + "' (inventory line " + std::to_string(phone.line) +
                                      ") is already rendered from " + template_key(first.template_index) +
                                      " (inventory line " + std::to_string(first.phone_line) +
                                      "); the first one is served"});
        }
        continue;
      }
      auto text = sources[i].compiled->render(phone_data(model, phone), sources[i].escape);
      if (!text) {
        out.problems.push_back(
            {true, template_key(i) + ".source",
             templates[i].source + ": inventory line " + std::to_string(phone.line) + ": " + text.error()});
        owner.erase(it);
        continue;
      }
      out.files.push_back({std::move(name), std::move(text).value(), i, phone.line, *phone.mac, phone.name});
    }
  }
  return out;
}

}  // namespace pb::phone_template
