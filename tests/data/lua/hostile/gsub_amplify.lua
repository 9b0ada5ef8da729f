-- Turns a 60 KB subject into a 150 MB result.
rule {
  id = "hostile.gsub_amplify", from = { class_uid = 3002 },
  on_event = function(e, ctx) local s = ("ab"):rep(30000):gsub("a", ("z"):rep(5000)); ctx.state.n = #s end,
}
