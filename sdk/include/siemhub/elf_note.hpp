// Reads the siemhub ELF note from a plugin file WITHOUT loading it (no plugin code runs).
// Header-only, Linux; used by the host's loader and by the SDK's conformance runner.
#ifndef SIEMHUB_ELF_NOTE_HPP
#define SIEMHUB_ELF_NOTE_HPP

#include <elf.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "siemhub/plugin.h"

namespace siemhub::sdk {

/// What the note says.
struct PluginNote {
  uint32_t abi_major = 0;
  uint32_t abi_minor = 0;
  std::string id;
  std::string version;
};

/// Either a note or the reason there is none ("not an ELF file", "no .note.siemhub note"...).
struct NoteResult {
  std::optional<PluginNote> note;
  std::string error;
  bool not_shared_library = false;  ///< the file is not an ELF shared object for this machine
};

namespace detail {

inline bool read_at(int fd, uint64_t offset, void* out, size_t size) {
  auto* p = static_cast<char*>(out);
  while (size > 0) {
    const ssize_t n = ::pread(fd, p, size, static_cast<off_t>(offset));
    if (n <= 0) return false;
    p += n;
    offset += static_cast<uint64_t>(n);
    size -= static_cast<size_t>(n);
  }
  return true;
}

inline std::string bounded_string(const char* s, size_t max) {
  return std::string(s, ::strnlen(s, max));
}

// Walks the notes of one SHT_NOTE section looking for ours.
inline std::optional<PluginNote> scan_notes(const std::vector<char>& data) {
  size_t pos = 0;
  while (pos + sizeof(Elf64_Nhdr) <= data.size()) {
    Elf64_Nhdr hdr;
    std::memcpy(&hdr, data.data() + pos, sizeof hdr);
    pos += sizeof hdr;
    const size_t name_len = (static_cast<size_t>(hdr.n_namesz) + 3u) & ~size_t{3};
    const size_t desc_len = (static_cast<size_t>(hdr.n_descsz) + 3u) & ~size_t{3};
    if (name_len > data.size() - pos || desc_len > data.size() - pos - name_len) break;
    const char* name = data.data() + pos;
    const char* desc = name + name_len;
    pos += name_len + desc_len;
    if (hdr.n_type != SIEMHUB_NOTE_TYPE || hdr.n_namesz != sizeof(SIEMHUB_NOTE_NAME) ||
        std::memcmp(name, SIEMHUB_NOTE_NAME, sizeof(SIEMHUB_NOTE_NAME)) != 0)
      continue;
    if (hdr.n_descsz < sizeof(siemhub_note_desc)) return std::nullopt;
    siemhub_note_desc d;
    std::memcpy(&d, desc, sizeof d);
    return PluginNote{d.abi_major, d.abi_minor, bounded_string(d.id, sizeof d.id),
                      bounded_string(d.version, sizeof d.version)};
  }
  return std::nullopt;
}

}  // namespace detail

/// Reads the note from an open file descriptor (the loader passes the fd it later dlopens
/// through /proc/self/fd, so what was checked is what is loaded).
inline NoteResult read_plugin_note(int fd) {
  NoteResult r;
  Elf64_Ehdr eh;
  if (!detail::read_at(fd, 0, &eh, sizeof eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
    r.error = "not a shared library (no ELF header)";
    r.not_shared_library = true;
    return r;
  }
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB) {
    r.error = "not a shared library for this machine (not 64-bit little-endian ELF)";
    r.not_shared_library = true;
    return r;
  }
#if defined(__x86_64__)
  constexpr uint16_t machine = EM_X86_64;
#elif defined(__aarch64__)
  constexpr uint16_t machine = EM_AARCH64;
#else
  const uint16_t machine = eh.e_machine;
#endif
  if (eh.e_type != ET_DYN) {
    r.error = "not a shared library (ELF type " + std::to_string(eh.e_type) + ", expected ET_DYN)";
    r.not_shared_library = true;
    return r;
  }
  if (eh.e_machine != machine) {
    r.error = "not a shared library for this machine (ELF machine " + std::to_string(eh.e_machine) + ")";
    r.not_shared_library = true;
    return r;
  }
  if (eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum == 0 || eh.e_shnum > 4096) {
    r.error = "no siemhub note (no section headers)";
    return r;
  }
  for (uint16_t i = 0; i < eh.e_shnum; ++i) {
    Elf64_Shdr sh;
    if (!detail::read_at(fd, eh.e_shoff + uint64_t{i} * sizeof sh, &sh, sizeof sh)) {
      r.error = "truncated ELF file (section header " + std::to_string(i) + ")";
      r.not_shared_library = true;
      return r;
    }
    if (sh.sh_type != SHT_NOTE || sh.sh_size == 0 || sh.sh_size > (1u << 20)) continue;
    std::vector<char> data(sh.sh_size);
    if (!detail::read_at(fd, sh.sh_offset, data.data(), data.size())) continue;
    if (auto note = detail::scan_notes(data)) {
      r.note = std::move(note);
      return r;
    }
  }
  r.error = "no siemhub note (section " SIEMHUB_NOTE_SECTION
            " missing: build the plugin with SIEMHUB_PLUGIN or SIEMHUB_PLUGIN_REGISTER_C)";
  return r;
}

}  // namespace siemhub::sdk

#endif  // SIEMHUB_ELF_NOTE_HPP
