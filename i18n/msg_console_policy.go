package i18n

import "golang.org/x/text/language"

// The English keys of the console's sign-in policy section (package
// console).
const (
	cpHeading   = "Sign-in policy"
	cpIntro     = "These rules apply to the members of this account and of its child accounts. A child account can add rules but cannot remove those of its parent accounts."
	cpKey       = "Require a security key or passkey to sign in"
	cpDevices   = "Do not allow trusted devices"
	cpInherited = "Set by a parent account"
	cpYes       = "Yes"
	cpNo        = "No"
	cpSaved     = "Sign-in policy saved."
	cpKeyLocked = "A parent account requires a security key or passkey, so this account cannot turn that off."
	cpDevLocked = "A parent account forbids trusted devices, so this account cannot allow them."
)

// consolePolicyMessages holds the messages of the sign-in policy section
// of the console. Every language of coreTranslations needs each key (the
// tests check it).
var consolePolicyMessages = feature{
	source: []any{cpHeading, cpIntro, cpKey, cpDevices, cpInherited, cpYes, cpNo, cpSaved, cpKeyLocked, cpDevLocked},
	translations: map[language.Tag]map[string]any{
		language.German: {
			cpHeading:   "Anmelderichtlinie",
			cpIntro:     "Diese Regeln gelten für die Mitglieder dieses Kontos und seiner Unterkonten. Ein Unterkonto kann Regeln hinzufügen, aber die seiner übergeordneten Konten nicht entfernen.",
			cpKey:       "Anmeldung mit Sicherheitsschlüssel oder Passkey verlangen",
			cpDevices:   "Keine vertrauenswürdigen Geräte erlauben",
			cpInherited: "Von einem übergeordneten Konto festgelegt",
			cpYes:       "Ja",
			cpNo:        "Nein",
			cpSaved:     "Die Anmelderichtlinie wurde gespeichert.",
			cpKeyLocked: "Ein übergeordnetes Konto verlangt einen Sicherheitsschlüssel oder Passkey, daher kann dieses Konto das nicht abschalten.",
			cpDevLocked: "Ein übergeordnetes Konto verbietet vertrauenswürdige Geräte, daher kann dieses Konto sie nicht erlauben.",
		},
		language.French: {
			cpHeading:   "Politique de connexion",
			cpIntro:     "Ces règles s’appliquent aux membres de ce compte et de ses comptes enfants. Un compte enfant peut ajouter des règles, mais ne peut pas retirer celles de ses comptes parents.",
			cpKey:       "Exiger une clé de sécurité ou une clé d’accès pour se connecter",
			cpDevices:   "Ne pas autoriser les appareils de confiance",
			cpInherited: "Défini par un compte parent",
			cpYes:       "Oui",
			cpNo:        "Non",
			cpSaved:     "La politique de connexion a été enregistrée.",
			cpKeyLocked: "Un compte parent exige une clé de sécurité ou une clé d’accès ; ce compte ne peut donc pas désactiver cette exigence.",
			cpDevLocked: "Un compte parent interdit les appareils de confiance ; ce compte ne peut donc pas les autoriser.",
		},
		language.Spanish: {
			cpHeading:   "Política de inicio de sesión",
			cpIntro:     "Estas reglas se aplican a los miembros de esta cuenta y de sus cuentas secundarias. Una cuenta secundaria puede añadir reglas, pero no quitar las de sus cuentas principales.",
			cpKey:       "Exigir una llave de seguridad o una clave de acceso para iniciar sesión",
			cpDevices:   "No permitir dispositivos de confianza",
			cpInherited: "Establecido por una cuenta principal",
			cpYes:       "Sí",
			cpNo:        "No",
			cpSaved:     "Se ha guardado la política de inicio de sesión.",
			cpKeyLocked: "Una cuenta principal exige una llave de seguridad o una clave de acceso, así que esta cuenta no puede desactivarlo.",
			cpDevLocked: "Una cuenta principal prohíbe los dispositivos de confianza, así que esta cuenta no puede permitirlos.",
		},
		language.Italian: {
			cpHeading:   "Criterio di accesso",
			cpIntro:     "Queste regole valgono per i membri di questo account e dei suoi account secondari. Un account secondario può aggiungere regole, ma non togliere quelle dei suoi account principali.",
			cpKey:       "Richiedere una chiave di sicurezza o una passkey per accedere",
			cpDevices:   "Non consentire dispositivi attendibili",
			cpInherited: "Impostato da un account principale",
			cpYes:       "Sì",
			cpNo:        "No",
			cpSaved:     "Il criterio di accesso è stato salvato.",
			cpKeyLocked: "Un account principale richiede una chiave di sicurezza o una passkey, quindi questo account non può disattivarlo.",
			cpDevLocked: "Un account principale vieta i dispositivi attendibili, quindi questo account non può consentirli.",
		},
		language.Dutch: {
			cpHeading:   "Aanmeldbeleid",
			cpIntro:     "Deze regels gelden voor de leden van dit account en van de subaccounts ervan. Een subaccount kan regels toevoegen, maar die van bovenliggende accounts niet verwijderen.",
			cpKey:       "Aanmelden met een beveiligingssleutel of passkey vereisen",
			cpDevices:   "Geen vertrouwde apparaten toestaan",
			cpInherited: "Ingesteld door een bovenliggend account",
			cpYes:       "Ja",
			cpNo:        "Nee",
			cpSaved:     "Het aanmeldbeleid is opgeslagen.",
			cpKeyLocked: "Een bovenliggend account vereist een beveiligingssleutel of passkey, dus dit account kan dat niet uitzetten.",
			cpDevLocked: "Een bovenliggend account verbiedt vertrouwde apparaten, dus dit account kan ze niet toestaan.",
		},
		language.Polish: {
			cpHeading:   "Zasady logowania",
			cpIntro:     "Te zasady obowiązują członków tego konta i jego kont podrzędnych. Konto podrzędne może dodać zasady, ale nie może usunąć zasad swoich kont nadrzędnych.",
			cpKey:       "Wymagaj logowania kluczem bezpieczeństwa lub kluczem dostępu",
			cpDevices:   "Nie zezwalaj na zaufane urządzenia",
			cpInherited: "Ustawione przez konto nadrzędne",
			cpYes:       "Tak",
			cpNo:        "Nie",
			cpSaved:     "Zasady logowania zostały zapisane.",
			cpKeyLocked: "Konto nadrzędne wymaga klucza bezpieczeństwa lub klucza dostępu, więc to konto nie może tego wyłączyć.",
			cpDevLocked: "Konto nadrzędne zabrania zaufanych urządzeń, więc to konto nie może na nie zezwolić.",
		},
		language.Portuguese: {
			cpHeading:   "Política de início de sessão",
			cpIntro:     "Estas regras aplicam-se aos membros desta conta e das suas contas secundárias. Uma conta secundária pode acrescentar regras, mas não pode retirar as das suas contas principais.",
			cpKey:       "Exigir uma chave de segurança ou uma chave de acesso para iniciar sessão",
			cpDevices:   "Não permitir dispositivos de confiança",
			cpInherited: "Definido por uma conta principal",
			cpYes:       "Sim",
			cpNo:        "Não",
			cpSaved:     "A política de início de sessão foi guardada.",
			cpKeyLocked: "Uma conta principal exige uma chave de segurança ou uma chave de acesso, por isso esta conta não pode desativar essa exigência.",
			cpDevLocked: "Uma conta principal proíbe dispositivos de confiança, por isso esta conta não os pode permitir.",
		},
		language.Swedish: {
			cpHeading:   "Inloggningspolicy",
			cpIntro:     "De här reglerna gäller för medlemmarna i det här kontot och i dess underkonton. Ett underkonto kan lägga till regler men inte ta bort de överordnade kontonas regler.",
			cpKey:       "Kräv inloggning med en säkerhetsnyckel eller nyckel för inloggning",
			cpDevices:   "Tillåt inte betrodda enheter",
			cpInherited: "Angivet av ett överordnat konto",
			cpYes:       "Ja",
			cpNo:        "Nej",
			cpSaved:     "Inloggningspolicyn har sparats.",
			cpKeyLocked: "Ett överordnat konto kräver en säkerhetsnyckel eller nyckel för inloggning, så det här kontot kan inte stänga av det.",
			cpDevLocked: "Ett överordnat konto förbjuder betrodda enheter, så det här kontot kan inte tillåta dem.",
		},
		language.Danish: {
			cpHeading:   "Loginpolitik",
			cpIntro:     "Disse regler gælder for medlemmerne af denne konto og dens underkonti. En underkonto kan tilføje regler, men ikke fjerne dem, som dens overordnede konti har sat.",
			cpKey:       "Kræv login med en sikkerhedsnøgle eller adgangsnøgle",
			cpDevices:   "Tillad ikke betroede enheder",
			cpInherited: "Fastsat af en overordnet konto",
			cpYes:       "Ja",
			cpNo:        "Nej",
			cpSaved:     "Loginpolitikken er gemt.",
			cpKeyLocked: "En overordnet konto kræver en sikkerhedsnøgle eller adgangsnøgle, så denne konto kan ikke slå det fra.",
			cpDevLocked: "En overordnet konto forbyder betroede enheder, så denne konto kan ikke tillade dem.",
		},
		language.Finnish: {
			cpHeading:   "Kirjautumiskäytäntö",
			cpIntro:     "Nämä säännöt koskevat tämän tilin ja sen alitilien jäseniä. Alitili voi lisätä sääntöjä, mutta se ei voi poistaa ylätiliensä sääntöjä.",
			cpKey:       "Vaadi kirjautuminen suojausavaimella tai pääsyavaimella",
			cpDevices:   "Älä salli luotettuja laitteita",
			cpInherited: "Ylätilin asettama",
			cpYes:       "Kyllä",
			cpNo:        "Ei",
			cpSaved:     "Kirjautumiskäytäntö tallennettiin.",
			cpKeyLocked: "Ylätili vaatii suojausavaimen tai pääsyavaimen, joten tämä tili ei voi poistaa vaatimusta käytöstä.",
			cpDevLocked: "Ylätili kieltää luotetut laitteet, joten tämä tili ei voi sallia niitä.",
		},
		language.Czech: {
			cpHeading:   "Zásady přihlašování",
			cpIntro:     "Tato pravidla platí pro členy tohoto účtu a jeho podřízených účtů. Podřízený účet může pravidla přidat, ale nemůže odebrat pravidla svých nadřazených účtů.",
			cpKey:       "Vyžadovat přihlášení bezpečnostním klíčem nebo přístupovým klíčem",
			cpDevices:   "Nepovolovat důvěryhodná zařízení",
			cpInherited: "Nastaveno nadřazeným účtem",
			cpYes:       "Ano",
			cpNo:        "Ne",
			cpSaved:     "Zásady přihlašování byly uloženy.",
			cpKeyLocked: "Nadřazený účet vyžaduje bezpečnostní klíč nebo přístupový klíč, takže tento účet to nemůže vypnout.",
			cpDevLocked: "Nadřazený účet zakazuje důvěryhodná zařízení, takže tento účet je nemůže povolit.",
		},
	},
}
