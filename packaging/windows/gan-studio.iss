; Inno Setup script for GAN Studio on Windows (per-user install, no admin rights needed).
; Build the folder first on Windows:  pyinstaller packaging\gan-studio.spec
;   (it makes dist\gan-studio\ with "GAN Studio.exe" (windowed) and gan-studio.exe (console))
; then:  iscc /DAppVersion=0.1.0 /DFlavour=cpu packaging\windows\gan-studio.iss
; Output: dist\gan-studio-<version>-windows-x86_64-<flavour>-setup.exe
; Not built or run on the Linux build machine: packaging/ci/windows.yml does it on a Windows runner.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef Flavour
  #define Flavour "cpu"
#endif
#define Root "..\.."

[Setup]
AppId={{6F0B1C2E-6A4B-4E25-9B0D-3C8A7D1E5F42}
AppName=GAN Studio
AppVersion={#AppVersion}
AppPublisher=GAN Studio
DefaultDirName={localappdata}\Programs\GAN Studio
DefaultGroupName=GAN Studio
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#Root}\dist
OutputBaseFilename=gan-studio-{#AppVersion}-windows-x86_64-{#Flavour}-setup
SetupIconFile={#Root}\resources\icons\gan-studio.ico
UninstallDisplayIcon={app}\GAN Studio.exe
Compression=lzma2/ultra64
SolidCompression=yes
WizardStyle=modern
DisableProgramGroupPage=yes

[Tasks]
Name: "desktopicon"; Description: "Create a &desktop shortcut"; GroupDescription: "Shortcuts:"; Flags: unchecked

[Files]
Source: "{#Root}\dist\gan-studio\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\GAN Studio"; Filename: "{app}\GAN Studio.exe"; IconFilename: "{app}\GAN Studio.exe"
Name: "{autodesktop}\GAN Studio"; Filename: "{app}\GAN Studio.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\GAN Studio.exe"; Description: "Open GAN Studio"; Flags: nowait postinstall skipifsilent

; The person's runs (%APPDATA%\GAN Studio) are data, not program files: the uninstaller keeps them.
