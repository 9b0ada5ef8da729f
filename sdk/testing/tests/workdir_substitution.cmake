# Runs siemhub-conformance with a config holding @WORKDIR@ and --workdir, then checks that the
# plugin wrote EXPECT inside WORKDIR (i.e. the runner substituted the placeholder).
file(REMOVE_RECURSE ${WORKDIR})
execute_process(COMMAND ${RUNNER} ${PLUGIN} --config ${CONFIG} --workdir ${WORKDIR}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "siemhub-conformance failed (${rc}):\n${out}\n${err}")
endif()
if(NOT EXISTS ${WORKDIR}/${EXPECT})
  message(FATAL_ERROR "the plugin did not write ${WORKDIR}/${EXPECT}: @WORKDIR@ was not substituted\n${out}")
endif()
file(STRINGS ${WORKDIR}/${EXPECT} lines)
list(LENGTH lines n)
if(n LESS 2)
  message(FATAL_ERROR "${WORKDIR}/${EXPECT} holds ${n} lines, expected the conformance events")
endif()
message(STATUS "the sink wrote ${n} lines into ${WORKDIR}/${EXPECT}")
