package i18n

import "golang.org/x/text/language"

// The English keys of the e-mail sent when an account's setup completes
// (notify.AccountActivatedEmail).
const (
	activatedSubject = "%s is active"
	activatedBody    = "The setup of the account %[1]s on %[2]s is complete: it is active since %[3]s, and its members can sign in to it."
)

// activationMessages holds the messages of the account activation e-mail.
// Every language of coreTranslations needs each key (the tests check it).
var activationMessages = feature{
	source: []any{activatedSubject, activatedBody},
	translations: map[language.Tag]map[string]any{
		language.German: {
			activatedSubject: "%s ist aktiv",
			activatedBody:    "Die Einrichtung des Kontos %[1]s bei %[2]s ist abgeschlossen: Es ist seit %[3]s aktiv, und seine Mitglieder können sich dort anmelden.",
		},
		language.French: {
			activatedSubject: "%s est actif",
			activatedBody:    "La configuration du compte %[1]s sur %[2]s est terminée : il est actif depuis le %[3]s et ses membres peuvent s’y connecter.",
		},
		language.Spanish: {
			activatedSubject: "%s está activa",
			activatedBody:    "La configuración de la cuenta %[1]s en %[2]s está completa: está activa desde el %[3]s y sus miembros pueden iniciar sesión en ella.",
		},
		language.Italian: {
			activatedSubject: "%s è attivo",
			activatedBody:    "La configurazione dell’account %[1]s su %[2]s è completa: è attivo dal %[3]s e i suoi membri possono accedervi.",
		},
		language.Dutch: {
			activatedSubject: "%s is actief",
			activatedBody:    "De inrichting van het account %[1]s op %[2]s is voltooid: het is actief sinds %[3]s en de leden kunnen zich erbij aanmelden.",
		},
		language.Polish: {
			activatedSubject: "Konto %s jest aktywne",
			activatedBody:    "Konfiguracja konta %[1]s w %[2]s została zakończona: jest aktywne od %[3]s, a jego członkowie mogą się do niego logować.",
		},
		language.Portuguese: {
			activatedSubject: "%s está ativa",
			activatedBody:    "A configuração da conta %[1]s em %[2]s está concluída: está ativa desde %[3]s e os seus membros podem iniciar sessão nela.",
		},
		language.Swedish: {
			activatedSubject: "%s är aktivt",
			activatedBody:    "Konfigurationen av kontot %[1]s i %[2]s är klar: det är aktivt sedan %[3]s, och dess medlemmar kan logga in på det.",
		},
		language.Danish: {
			activatedSubject: "%s er aktiv",
			activatedBody:    "Opsætningen af kontoen %[1]s på %[2]s er fuldført: den er aktiv siden %[3]s, og dens medlemmer kan logge ind på den.",
		},
		language.Finnish: {
			activatedSubject: "%s on aktiivinen",
			activatedBody:    "Tilin %[1]s käyttöönotto palvelussa %[2]s on valmis: se on ollut aktiivinen %[3]s alkaen, ja sen jäsenet voivat kirjautua siihen.",
		},
		language.Czech: {
			activatedSubject: "Účet %s je aktivní",
			activatedBody:    "Nastavení účtu %[1]s v %[2]s je dokončeno: je aktivní od %[3]s a jeho členové se k němu mohou přihlásit.",
		},
	},
}
