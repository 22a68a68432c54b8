#include "provisiond/rendered_files.hpp"

#include <cctype>

#include <fmt/format.h>

#include "common/ascii.hpp"
#include "provisiond/http_logic.hpp"
#include "provisiond/path.hpp"

namespace pb::prov {
namespace {

// FNV-1a: the ETag only has to change with the bytes, and be the same for the same bytes after a restart.
std::uint64_t fnv1a(std::string_view bytes) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

std::shared_ptr<const RenderedFiles> make_rendered_files(const phone_template::Rendered& rendered,
                                                         const RenderedFiles* previous, std::int64_t now_s) {
  auto files = std::make_shared<RenderedFiles>();
  for (const auto& f : rendered.files) {
    std::string key = ascii_lower(f.name);
    if (previous != nullptr) {
      auto it = previous->find(key);
      if (it != previous->end() && it->second->content == f.content) {
        files->emplace(std::move(key), it->second);
        continue;
      }
    }
    auto c = std::make_shared<CachedFile>();
    c->content = f.content;
    c->meta.size = f.content.size();
    c->meta.mtime_s = now_s;
    c->meta.etag = fmt::format("\"t-{:x}-{:x}\"", fnv1a(f.content), f.content.size());
    c->meta.last_modified = http::format_http_date(now_s);
    c->meta.type = content_type(f.name);
    files->emplace(std::move(key), std::move(c));
  }
  return files;
}

}  // namespace pb::prov
