; Inno Setup 6 script: FieldDesk-<version>-setup.exe from the PyInstaller folder.
;
;   pyinstaller --noconfirm packaging\fielddesk.spec      (on Windows: dist\FieldDesk\)
;   iscc packaging\windows\fielddesk.iss                  (Inno Setup 6.3 or newer)
;
; Installs per user by default (no administrator rights: %LOCALAPPDATA%\Programs\FieldDesk),
; or for all users if the user picks it in the first dialog. User data (the database,
; logs, settings) lives in the user's profile and is never touched by uninstalling.
; Paths are relative to this file.

#define AppName "FieldDesk"
#define AppVersion "0.1.0"
#define AppExe "FieldDesk.exe"
#define BuildDir "..\..\dist\FieldDesk"

[Setup]
; Keep this AppId for every release: it is how upgrades find the installed copy.
AppId={{901E2AEE-678B-4E27-A258-3114B419512A}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=FieldDesk
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
SetupIconFile=fielddesk.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
; Ask a running FieldDesk to close (Restart Manager) before replacing its files.
CloseApplications=yes
RestartApplications=no
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
OutputDir=..\..\dist
OutputBaseFilename={#AppName}-{#AppVersion}-setup

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#BuildDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{autoprograms}\{#AppName} (demo)"; Filename: "{app}\{#AppExe}"; Parameters: "--demo"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
