-- Tries to load a precompiled chunk.
rule {
  id = "hostile.bytecode_load", from = { class_uid = 3002 },
  on_event = function(e, ctx) assert(load("\27Lua\84\0")) end,
}
