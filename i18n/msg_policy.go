package i18n

import "golang.org/x/text/language"

// The English keys of the account policy's step-up (package login,
// authreq).
const (
	policyKeyNotice  = "The account you chose asks for a security key or passkey. Enter your password again, then use your key."
	policyDevNotice  = "The account you chose does not allow trusted devices. Enter your password again, then the code."
	policyNoKeyTitle = "A security key or passkey is needed"
	policyNoKeyMsg   = "The account you chose requires signing in with a security key or passkey, and you have none yet."
	policyNoKeyNext  = "Add a security key or passkey on the Security tab of your profile, then sign in again."
	policyNotMetDesc = "The sign-in does not meet the account's sign-in policy."
)

// policyMessages holds the messages of the account policy at sign-in.
// Every language of coreTranslations needs each key (the tests check it).
var policyMessages = feature{
	source: []any{policyKeyNotice, policyDevNotice, policyNoKeyTitle, policyNoKeyMsg, policyNoKeyNext,
		// An OIDC error description, sent to the relying party.
		policyNotMetDesc},
	translations: map[language.Tag]map[string]any{
		language.German: {
			policyKeyNotice:  "Das gewählte Konto verlangt einen Sicherheitsschlüssel oder Passkey. Geben Sie Ihr Passwort erneut ein und verwenden Sie dann Ihren Schlüssel.",
			policyDevNotice:  "Das gewählte Konto erlaubt keine vertrauenswürdigen Geräte. Geben Sie Ihr Passwort erneut ein und dann den Code.",
			policyNoKeyTitle: "Ein Sicherheitsschlüssel oder Passkey wird benötigt",
			policyNoKeyMsg:   "Das gewählte Konto verlangt die Anmeldung mit einem Sicherheitsschlüssel oder Passkey, und Sie haben noch keinen.",
			policyNoKeyNext:  "Fügen Sie im Tab „Sicherheit“ Ihres Profils einen Sicherheitsschlüssel oder Passkey hinzu und melden Sie sich dann erneut an.",
			policyNotMetDesc: "Die Anmeldung erfüllt die Anmelderichtlinie des Kontos nicht.",
		},
		language.French: {
			policyKeyNotice:  "Le compte choisi demande une clé de sécurité ou une clé d’accès. Saisissez de nouveau votre mot de passe, puis utilisez votre clé.",
			policyDevNotice:  "Le compte choisi n’autorise pas les appareils de confiance. Saisissez de nouveau votre mot de passe, puis le code.",
			policyNoKeyTitle: "Une clé de sécurité ou une clé d’accès est nécessaire",
			policyNoKeyMsg:   "Le compte choisi exige une connexion avec une clé de sécurité ou une clé d’accès, et vous n’en avez pas encore.",
			policyNoKeyNext:  "Ajoutez une clé de sécurité ou une clé d’accès dans l’onglet Sécurité de votre profil, puis reconnectez-vous.",
			policyNotMetDesc: "La connexion ne respecte pas la politique de connexion du compte.",
		},
		language.Spanish: {
			policyKeyNotice:  "La cuenta elegida pide una llave de seguridad o una clave de acceso. Vuelva a introducir su contraseña y después use su llave.",
			policyDevNotice:  "La cuenta elegida no permite dispositivos de confianza. Vuelva a introducir su contraseña y después el código.",
			policyNoKeyTitle: "Se necesita una llave de seguridad o una clave de acceso",
			policyNoKeyMsg:   "La cuenta elegida exige iniciar sesión con una llave de seguridad o una clave de acceso, y todavía no tiene ninguna.",
			policyNoKeyNext:  "Añada una llave de seguridad o una clave de acceso en la pestaña Seguridad de su perfil y vuelva a iniciar sesión.",
			policyNotMetDesc: "El inicio de sesión no cumple la política de inicio de sesión de la cuenta.",
		},
		language.Italian: {
			policyKeyNotice:  "L’account scelto richiede una chiave di sicurezza o una passkey. Inserisca di nuovo la password, poi usi la chiave.",
			policyDevNotice:  "L’account scelto non consente dispositivi attendibili. Inserisca di nuovo la password, poi il codice.",
			policyNoKeyTitle: "Serve una chiave di sicurezza o una passkey",
			policyNoKeyMsg:   "L’account scelto richiede l’accesso con una chiave di sicurezza o una passkey, e lei non ne ha ancora una.",
			policyNoKeyNext:  "Aggiunga una chiave di sicurezza o una passkey nella scheda Sicurezza del profilo, poi acceda di nuovo.",
			policyNotMetDesc: "L’accesso non rispetta il criterio di accesso dell’account.",
		},
		language.Dutch: {
			policyKeyNotice:  "Het gekozen account vraagt om een beveiligingssleutel of passkey. Voer uw wachtwoord opnieuw in en gebruik daarna uw sleutel.",
			policyDevNotice:  "Het gekozen account staat geen vertrouwde apparaten toe. Voer uw wachtwoord opnieuw in en daarna de code.",
			policyNoKeyTitle: "Een beveiligingssleutel of passkey is nodig",
			policyNoKeyMsg:   "Het gekozen account vereist aanmelden met een beveiligingssleutel of passkey, en u hebt er nog geen.",
			policyNoKeyNext:  "Voeg op het tabblad Beveiliging van uw profiel een beveiligingssleutel of passkey toe en meld u daarna opnieuw aan.",
			policyNotMetDesc: "De aanmelding voldoet niet aan het aanmeldbeleid van het account.",
		},
		language.Polish: {
			policyKeyNotice:  "Wybrane konto wymaga klucza bezpieczeństwa lub klucza dostępu. Wpisz ponownie hasło, a potem użyj klucza.",
			policyDevNotice:  "Wybrane konto nie zezwala na zaufane urządzenia. Wpisz ponownie hasło, a potem kod.",
			policyNoKeyTitle: "Potrzebny jest klucz bezpieczeństwa lub klucz dostępu",
			policyNoKeyMsg:   "Wybrane konto wymaga logowania kluczem bezpieczeństwa lub kluczem dostępu, a nie masz jeszcze żadnego.",
			policyNoKeyNext:  "Dodaj klucz bezpieczeństwa lub klucz dostępu na karcie Bezpieczeństwo w profilu, a potem zaloguj się ponownie.",
			policyNotMetDesc: "Logowanie nie spełnia zasad logowania konta.",
		},
		language.Portuguese: {
			policyKeyNotice:  "A conta escolhida pede uma chave de segurança ou uma chave de acesso. Introduza de novo a palavra-passe e depois use a sua chave.",
			policyDevNotice:  "A conta escolhida não permite dispositivos de confiança. Introduza de novo a palavra-passe e depois o código.",
			policyNoKeyTitle: "É necessária uma chave de segurança ou uma chave de acesso",
			policyNoKeyMsg:   "A conta escolhida exige o início de sessão com uma chave de segurança ou uma chave de acesso, e ainda não tem nenhuma.",
			policyNoKeyNext:  "Adicione uma chave de segurança ou uma chave de acesso no separador Segurança do seu perfil e inicie sessão de novo.",
			policyNotMetDesc: "O início de sessão não cumpre a política de início de sessão da conta.",
		},
		language.Swedish: {
			policyKeyNotice:  "Kontot du valde kräver en säkerhetsnyckel eller nyckel för inloggning. Ange ditt lösenord igen och använd sedan din nyckel.",
			policyDevNotice:  "Kontot du valde tillåter inte betrodda enheter. Ange ditt lösenord igen och sedan koden.",
			policyNoKeyTitle: "En säkerhetsnyckel eller nyckel för inloggning behövs",
			policyNoKeyMsg:   "Kontot du valde kräver inloggning med en säkerhetsnyckel eller nyckel för inloggning, och du har ingen ännu.",
			policyNoKeyNext:  "Lägg till en säkerhetsnyckel eller nyckel för inloggning på fliken Säkerhet i din profil och logga sedan in igen.",
			policyNotMetDesc: "Inloggningen uppfyller inte kontots inloggningspolicy.",
		},
		language.Danish: {
			policyKeyNotice:  "Den konto, du valgte, kræver en sikkerhedsnøgle eller adgangsnøgle. Indtast din adgangskode igen, og brug derefter din nøgle.",
			policyDevNotice:  "Den konto, du valgte, tillader ikke betroede enheder. Indtast din adgangskode igen og derefter koden.",
			policyNoKeyTitle: "Der kræves en sikkerhedsnøgle eller adgangsnøgle",
			policyNoKeyMsg:   "Den konto, du valgte, kræver login med en sikkerhedsnøgle eller adgangsnøgle, og du har ingen endnu.",
			policyNoKeyNext:  "Tilføj en sikkerhedsnøgle eller adgangsnøgle under fanen Sikkerhed i din profil, og log derefter ind igen.",
			policyNotMetDesc: "Login opfylder ikke kontoens loginpolitik.",
		},
		language.Finnish: {
			policyKeyNotice:  "Valitsemasi tili vaatii suojausavaimen tai pääsyavaimen. Anna salasanasi uudelleen ja käytä sitten avaintasi.",
			policyDevNotice:  "Valitsemasi tili ei salli luotettuja laitteita. Anna salasanasi uudelleen ja sitten koodi.",
			policyNoKeyTitle: "Tarvitaan suojausavain tai pääsyavain",
			policyNoKeyMsg:   "Valitsemasi tili vaatii kirjautumisen suojausavaimella tai pääsyavaimella, eikä sinulla ole vielä sellaista.",
			policyNoKeyNext:  "Lisää suojausavain tai pääsyavain profiilisi Suojaus-välilehdellä ja kirjaudu sitten uudelleen.",
			policyNotMetDesc: "Kirjautuminen ei täytä tilin kirjautumiskäytäntöä.",
		},
		language.Czech: {
			policyKeyNotice:  "Zvolený účet vyžaduje bezpečnostní klíč nebo přístupový klíč. Zadejte znovu heslo a pak použijte svůj klíč.",
			policyDevNotice:  "Zvolený účet nepovoluje důvěryhodná zařízení. Zadejte znovu heslo a pak kód.",
			policyNoKeyTitle: "Je potřeba bezpečnostní klíč nebo přístupový klíč",
			policyNoKeyMsg:   "Zvolený účet vyžaduje přihlášení bezpečnostním klíčem nebo přístupovým klíčem a vy zatím žádný nemáte.",
			policyNoKeyNext:  "Přidejte bezpečnostní klíč nebo přístupový klíč na kartě Zabezpečení ve svém profilu a pak se znovu přihlaste.",
			policyNotMetDesc: "Přihlášení nesplňuje zásady přihlašování účtu.",
		},
	},
}
