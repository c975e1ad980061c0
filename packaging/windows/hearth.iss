; Inno Setup 6 script for Hearth on Windows (x64).
;
; Build the one-folder bundle first, on Windows, from the project root:
;     py -3.11 packaging\dev.py bundle            -> dist\hearth\hearth.exe, hearth-cli.exe, _internal\
; then compile this script (Inno Setup 6.2 or newer):
;     "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 packaging\windows\hearth.iss
; The installer lands in dist\installer\Hearth-<version>-Setup.exe.
;
; It installs per user by default (no administrator rights needed; the user may choose
; "install for all users"), adds a Start-menu shortcut, an optional desktop shortcut,
; "Open with Hearth" for documents Hearth can index, and an uninstaller. The user's
; conversations and indexes (in %LOCALAPPDATA%\Hearth) are kept on uninstall.
;
; Signing: pass /DSignTool=... after configuring a sign tool named "hearthsign" in the IDE or
; with ISCC /S"hearthsign=signtool sign /fd sha256 /tr http://timestamp.digicert.com /td sha256 /a $f".
; Sign dist\hearth\*.exe as well before compiling (see packaging\README-bundles.md).

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Hearth"
#define AppExe "hearth.exe"
#define SourceDir "..\..\dist\hearth"

[Setup]
AppId={{8C5B2E4A-6F1D-4C3B-9A77-1E0D4F2B6A31}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Hearth contributors
AppPublisherURL=https://github.com/hearth-assistant/hearth
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist\installer
OutputBaseFilename=Hearth-{#AppVersion}-Setup
SetupIconFile=..\..\build\hearth\hearth.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2/max
SolidCompression=yes
LZMANumBlockThreads=4
WizardStyle=modern
ChangesAssociations=yes
#ifdef SignTool
SignTool={#SignTool}
SignedUninstaller=yes
#endif

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
Name: "german"; MessagesFile: "compiler:Languages\German.isl"
Name: "french"; MessagesFile: "compiler:Languages\French.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "openwith"; Description: "Offer Hearth in ""Open with"" for PDF, Word, Markdown and text files"; GroupDescription: "File types:"

[Files]
; The whole PyInstaller folder: hearth.exe (window), hearth-cli.exe (terminal), _internal\.
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "A private AI assistant on your desktop"
Name: "{group}\{#AppName} doctor (check this computer)"; Filename: "{cmd}"; Parameters: "/k ""{app}\hearth-cli.exe"" doctor"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Registry]
; "Open with Hearth": registered as an application, listed for each document type. Hearth
; never takes over the default handler of these types.
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}"; ValueType: string; ValueName: "FriendlyAppName"; ValueData: "{#AppName}"; Flags: uninsdeletekey; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\shell\open\command"; ValueType: string; ValueData: """{app}\{#AppExe}"" gui ""%1"""; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\SupportedTypes"; ValueType: string; ValueName: ".pdf"; ValueData: ""; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\SupportedTypes"; ValueType: string; ValueName: ".docx"; ValueData: ""; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\SupportedTypes"; ValueType: string; ValueName: ".md"; ValueData: ""; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\SupportedTypes"; ValueType: string; ValueName: ".txt"; ValueData: ""; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\SupportedTypes"; ValueType: string; ValueName: ".html"; ValueData: ""; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\.pdf\OpenWithList\{#AppExe}"; ValueType: none; Flags: uninsdeletekey; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\.docx\OpenWithList\{#AppExe}"; ValueType: none; Flags: uninsdeletekey; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\.md\OpenWithList\{#AppExe}"; ValueType: none; Flags: uninsdeletekey; Tasks: openwith
Root: HKA; Subkey: "Software\Classes\.txt\OpenWithList\{#AppExe}"; ValueType: none; Flags: uninsdeletekey; Tasks: openwith

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Python bytecode and caches written next to the program at run time, if any.
Type: filesandordirs; Name: "{app}\_internal\__pycache__"
