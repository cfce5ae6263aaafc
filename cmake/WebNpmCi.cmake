# cmake -DNPM=... -DSRC=web -DDIR=<build>/web -DSTAMP=... -P WebNpmCi.cmake
# Installs the dashboard's npm packages (exact versions from package-lock.json) into the build
# tree. Fails the build with a clear message when npm cannot.
file(MAKE_DIRECTORY ${DIR})
file(COPY_FILE ${SRC}/package.json ${DIR}/package.json ONLY_IF_DIFFERENT)
file(COPY_FILE ${SRC}/package-lock.json ${DIR}/package-lock.json ONLY_IF_DIFFERENT)
execute_process(
  COMMAND ${NPM} ci --no-audit --no-fund --ignore-scripts --loglevel=error
  WORKING_DIRECTORY ${DIR}
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR
    "Dashboard: `npm ci` failed (exit ${rc}) in ${DIR}.\n${out}${err}\n"
    "The dashboard's packages come from the npm registry (web/package-lock.json). Check that "
    "npm works and the registry is reachable, or configure with -DCROSSDOCK_DASHBOARD=OFF.")
endif()
file(TOUCH ${STAMP})
