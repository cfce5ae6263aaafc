# The operations dashboard (web/): `npm ci` into the build tree when package-lock.json changes,
# the esbuild bundle, and its files embedded in the binary with .incbin (src/api/assets.hpp).
# Everything generated stays under ${PROJECT_BINARY_DIR}/web. Defines cd_web_assets, which cd_api
# links; with CROSSDOCK_DASHBOARD=OFF it is empty and GET / says the dashboard was not built.
if(TARGET cd_web_assets)
  return()
endif()
if(NOT CROSSDOCK_DASHBOARD)
  add_library(cd_web_assets INTERFACE)
  target_compile_definitions(cd_web_assets INTERFACE CROSSDOCK_NO_DASHBOARD)
  return()
endif()

find_program(CROSSDOCK_NODE node)
find_program(CROSSDOCK_NPM npm)
if(NOT CROSSDOCK_NODE OR NOT CROSSDOCK_NPM)
  message(FATAL_ERROR
    "The operations dashboard needs Node.js and npm (scripts/install-deps.sh installs them), "
    "or configure with -DCROSSDOCK_DASHBOARD=OFF to build without it.")
endif()

set(_web_src ${CROSSDOCK_SOURCE_DIR}/web)
set(_web_bin ${PROJECT_BINARY_DIR}/web)
file(GLOB_RECURSE _web_inputs CONFIGURE_DEPENDS ${_web_src}/src/*)
list(APPEND _web_inputs ${_web_src}/build.mjs ${_web_src}/index.html ${_web_src}/favicon.svg)

add_custom_command(
  OUTPUT ${_web_bin}/npm-ci.stamp
  COMMAND ${CMAKE_COMMAND} -DNPM=${CROSSDOCK_NPM} -DSRC=${_web_src} -DDIR=${_web_bin}
          -DSTAMP=${_web_bin}/npm-ci.stamp -P ${CROSSDOCK_SOURCE_DIR}/cmake/WebNpmCi.cmake
  DEPENDS ${_web_src}/package.json ${_web_src}/package-lock.json
          ${CROSSDOCK_SOURCE_DIR}/cmake/WebNpmCi.cmake
  COMMENT "Dashboard: npm ci (web/package-lock.json changed)"
  VERBATIM)

add_custom_command(
  OUTPUT ${_web_bin}/gen/web_assets.S ${_web_bin}/gen/web_assets_table.cpp
  COMMAND ${CROSSDOCK_NODE} ${_web_src}/build.mjs --modules ${_web_bin}/node_modules
          --out ${_web_bin}/dist --gen ${_web_bin}/gen
  DEPENDS ${_web_bin}/npm-ci.stamp ${_web_inputs}
  COMMENT "Dashboard: esbuild bundle, embedded"
  VERBATIM)

add_library(cd_web_assets STATIC ${_web_bin}/gen/web_assets.S ${_web_bin}/gen/web_assets_table.cpp)
target_link_libraries(cd_web_assets PRIVATE cd_core)
