# siemhub_add_plugin(<target> [SOURCES] <src>...)
# Builds a siemhub plugin: a MODULE library that exports only `siemhub_plugin_entry`
# (hidden visibility), links no host code, fails on undefined symbols at link time, and is
# named <target>.so without the "lib" prefix.
set(SIEMHUB_PLUGIN_MAP ${CMAKE_CURRENT_LIST_DIR}/siemhub-plugin.map CACHE INTERNAL "")
function(siemhub_add_plugin target)
  cmake_parse_arguments(P "" "" "SOURCES" ${ARGN})
  set(srcs ${P_SOURCES} ${P_UNPARSED_ARGUMENTS})
  add_library(${target} MODULE ${srcs})
  target_link_libraries(${target} PRIVATE siemhub::sdk)
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # -fno-gnu-unique keeps template statics from marking the library NODELETE;
  # --no-undefined catches a missing symbol at build time instead of at dlopen.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-fno-gnu-unique>)
  endif()
  target_link_options(${target} PRIVATE -Wl,--no-undefined
    -Wl,--version-script=${SIEMHUB_PLUGIN_MAP})
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${SIEMHUB_PLUGIN_MAP})
endfunction()
