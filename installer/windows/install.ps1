<#
.SYNOPSIS
  Registers (or removes) the CareGuard native messaging host for Chrome, Chromium, Edge, Brave,
  Vivaldi and Firefox on Windows, without the MSI. For Intune "Win32 app" scripts or a one-off
  repair. The MSI (careguard.wxs) does the same for a machine-wide install.

.DESCRIPTION
  Writes two host manifests next to careguard-host.exe:
    app.careguard.host.json          Chromium family: allowed_origins chrome-extension://<id>/
    app.careguard.host.firefox.json  Firefox: allowed_extensions careguard@careguard.app
  each with the absolute path of careguard-host.exe, and sets the default value of
    <hive>\SOFTWARE\Google\Chrome\NativeMessagingHosts\app.careguard.host            (Chrome, Vivaldi)
    <hive>\SOFTWARE\BraveSoftware\Brave-Browser\NativeMessagingHosts\app.careguard.host
    <hive>\SOFTWARE\Chromium\NativeMessagingHosts\app.careguard.host
    <hive>\SOFTWARE\Microsoft\Edge\NativeMessagingHosts\app.careguard.host
    <hive>\SOFTWARE\Mozilla\NativeMessagingHosts\app.careguard.host                  (Firefox)
  to the manifest's path; <hive> is HKLM (-Scope Machine, needs an elevated prompt) or HKCU
  (-Scope User). Machine scope writes both registry views (64-bit and WOW6432Node).
  -Uninstall removes exactly these keys and the two manifests.
  https://developer.chrome.com/docs/extensions/develop/concepts/native-messaging#native-messaging-host-location
  https://developer.mozilla.org/docs/Mozilla/Add-ons/WebExtensions/Native_manifests#windows

  Where careguard.exe is present, `careguard install` / `careguard uninstall` do the same job; this
  script exists for machines where only the host was copied.

.EXAMPLE
  powershell -ExecutionPolicy Bypass -File install.ps1 -Scope Machine
.EXAMPLE
  powershell -ExecutionPolicy Bypass -File install.ps1 -Scope Machine -ExtensionId hllknhdbcnbafllcikebpiinoenhnenl,<store id>
.EXAMPLE
  powershell -ExecutionPolicy Bypass -File install.ps1 -Scope User -Uninstall
#>
[CmdletBinding()]
param(
  [ValidateSet('Machine', 'User')] [string] $Scope = 'Machine',
  [ValidateSet('chrome', 'chromium', 'edge', 'brave', 'vivaldi', 'firefox', 'all')] [string[]] $Browser = @('all'),
  [string[]] $ExtensionId = @('hllknhdbcnbafllcikebpiinoenhnenl'),
  [string] $FirefoxId = 'careguard@careguard.app',
  [string] $HostPath = '',
  [switch] $Uninstall
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$HostName = 'app.careguard.host'
$Vendors = [ordered]@{
  chrome   = 'Google\Chrome'
  brave    = 'BraveSoftware\Brave-Browser'
  chromium = 'Chromium'
  edge     = 'Microsoft\Edge'
  firefox  = 'Mozilla'
}
# Vivaldi documents no key of its own; it is expected to use Google Chrome's.
$Selected = if ($Browser -contains 'all') { @('chrome', 'chromium', 'edge', 'brave', 'vivaldi', 'firefox') } else { $Browser }
$Keys = @()
foreach ($b in $Selected) {
  $v = if ($b -eq 'vivaldi') { 'chrome' } else { $b }
  if ($Keys -notcontains $v) { $Keys += $v }
}

foreach ($id in $ExtensionId) {
  if ($id -notmatch '^[a-p]{32}$') { throw "'$id' is not a Chromium extension id (32 letters a-p)" }
}

if (-not $HostPath) {
  $HostPath = if ($Scope -eq 'Machine') { Join-Path $env:ProgramFiles 'CareGuard\careguard-host.exe' }
              else { Join-Path $env:LOCALAPPDATA 'CareGuard\careguard-host.exe' }
}
$HostPath = [System.IO.Path]::GetFullPath($HostPath)
$Dir = Split-Path -Parent $HostPath
$ChromeManifest = Join-Path $Dir "$HostName.json"
$FirefoxManifest = Join-Path $Dir "$HostName.firefox.json"

if ($Scope -eq 'Machine') {
  $principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
  if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
    throw 'Machine scope writes HKLM: run from an elevated prompt, or use -Scope User.'
  }
  $Hive = [Microsoft.Win32.RegistryHive]::LocalMachine
  $Views = @([Microsoft.Win32.RegistryView]::Registry64, [Microsoft.Win32.RegistryView]::Registry32)
} else {
  $Hive = [Microsoft.Win32.RegistryHive]::CurrentUser
  $Views = @([Microsoft.Win32.RegistryView]::Default)
}

function Get-SubKeyPath([string] $browserKey) {
  return "SOFTWARE\$($Vendors[$browserKey])\NativeMessagingHosts\$HostName"
}

if ($Uninstall) {
  foreach ($view in $Views) {
    $base = [Microsoft.Win32.RegistryKey]::OpenBaseKey($Hive, $view)
    foreach ($k in $Keys) { $base.DeleteSubKeyTree((Get-SubKeyPath $k), $false) }
    $base.Dispose()
  }
  # The manifests go only when no browser key of ours is left pointing at them.
  if ($Browser -contains 'all') {
    Remove-Item -LiteralPath $ChromeManifest, $FirefoxManifest -ErrorAction SilentlyContinue
  } elseif ($Keys -contains 'firefox' -and $Keys.Count -eq 1) {
    Remove-Item -LiteralPath $FirefoxManifest -ErrorAction SilentlyContinue
  }
  Write-Host "CareGuard native host unregistered ($Scope): $($Keys -join ', ')"
  exit 0
}

if (-not (Test-Path -LiteralPath $HostPath -PathType Leaf)) {
  throw "careguard-host.exe not found at $HostPath (pass -HostPath)"
}

$utf8 = New-Object System.Text.UTF8Encoding($false)
$chrome = [ordered]@{
  name            = $HostName
  description     = "CareGuard: checks posts against your care organisation's social media policy"
  path            = $HostPath
  type            = 'stdio'
  allowed_origins = @($ExtensionId | ForEach-Object { "chrome-extension://$_/" })
}
$firefox = [ordered]@{
  name               = $HostName
  description        = $chrome.description
  path               = $HostPath
  type               = 'stdio'
  allowed_extensions = @($FirefoxId)
}
[System.IO.File]::WriteAllText($ChromeManifest, (ConvertTo-Json -InputObject $chrome -Depth 4), $utf8)
[System.IO.File]::WriteAllText($FirefoxManifest, (ConvertTo-Json -InputObject $firefox -Depth 4), $utf8)

foreach ($view in $Views) {
  $base = [Microsoft.Win32.RegistryKey]::OpenBaseKey($Hive, $view)
  foreach ($k in $Keys) {
    $key = $base.CreateSubKey((Get-SubKeyPath $k))
    $target = if ($k -eq 'firefox') { $FirefoxManifest } else { $ChromeManifest }
    $key.SetValue('', $target, [Microsoft.Win32.RegistryValueKind]::String)
    $key.Dispose()
  }
  $base.Dispose()
}
Write-Host "CareGuard native host registered ($Scope) for: $($Keys -join ', ')"
Write-Host "Check with: `"$Dir\careguard.exe`" doctor"
