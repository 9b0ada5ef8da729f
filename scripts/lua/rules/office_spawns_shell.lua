-- An Office application starting a shell or a living-off-the-land binary (macro / exploit
-- execution). OCSF Process Activity (class_uid 1007), Launch (activity_id 1). The parent is
-- `actor.process` in OCSF (Windows 4688, Sysmon 1); some sources (and the built-in generator)
-- put it in `process.parent_process` instead: both are checked. Names compare case-insensitively.
local OFFICE = { "winword.exe", "excel.exe", "powerpnt.exe", "outlook.exe" }
local SHELLS = { "powershell.exe", "pwsh.exe", "cmd.exe", "wscript.exe", "cscript.exe", "mshta.exe",
                 "rundll32.exe", "regsvr32.exe" }

local function first(e, paths)
  for _, p in ipairs(paths) do
    local v = e[p]
    if v ~= nil then return v end
  end
  return nil
end

rule {
  id          = "corr.process.office_spawns_shell",
  version     = 1,
  title       = "Office application started a shell or LOLBin",
  description = "Word, Excel, PowerPoint or Outlook started PowerShell, cmd, a script host, mshta, rundll32 or regsvr32.",
  severity    = "high",
  attack      = { "T1204.002", "T1059.001", "T1218" },
  tags        = { "process", "execution" },
  author      = "siemhub",
  references  = { "https://attack.mitre.org/techniques/T1204/002/" },
  from        = { class_uid = 1007, activity_id = 1,
                  any = { { ["actor.process.file.name"] = OFFICE }, { ["actor.process.name"] = OFFICE },
                          { ["process.parent_process.file.name"] = OFFICE },
                          { ["process.parent_process.name"] = OFFICE } } },
  where       = { any = { { ["process.file.name"] = SHELLS }, { ["process.name"] = SHELLS } } },
  on_event    = function(e, ctx)
    local parent = first(e, { "actor.process.file.name", "actor.process.name", "process.parent_process.file.name",
                              "process.parent_process.name" })
    local child = first(e, { "process.file.name", "process.name" })
    local host = first(e, { "device.hostname", "device.name" }) or "?"
    ctx.emit {
      message  = string.format("%s started %s on %s", parent, child, host),
      entities = { host = host, parent = parent, process = child,
                   user = first(e, { "actor.user.name", "process.user.name" }) },
      fields   = { cmd_line = e["process.cmd_line"] },
    }
  end,
}
