package i18n

import "golang.org/x/text/language"

// The English keys of Complete setup (REQUIREMENTS.md section 8): the
// account picker's PENDING accounts (package login), the console's
// Complete setup tab and its "How to resolve this?" answers (package
// console), and the hint of the business details asked at registration
// (package signup).
const (
	suNotActive      = "Not active yet"
	suNoApp          = "No application can be used with these accounts until their setup is complete."
	suComplete       = "Complete setup"
	suSkip           = "Continue without an account"
	suRefused        = "That account's setup cannot be completed from here. Choose one of the accounts listed."
	suHow            = "How to resolve this?"
	suIntro          = "The account becomes active, and can be used with applications, once nothing is left on this list. The Owner is e-mailed then."
	suHelpMissing    = "Fill in this field in the form below and save."
	suHelpVATInvalid = "Check the number against your VAT registration, and that the country is the one it is registered in. A number issued in the last few days may not be in VIES yet; your tax office can confirm it. Correct it below and save."
	suHelpOffline    = "Nothing to do: we ask VIES again every 15 minutes for a day, then every hour, and e-mail the Owner when the account is active. Save the form to ask again now."
	suHelpMore       = "An operator checks the account; ask them if it stays pending."
	suRegHint        = "Only for a business account. Leave out what you do not have at hand: the account stays pending until its details are complete, and you can finish them on the console."
)

// setupMessages holds the messages of Complete setup. Every language of
// coreTranslations needs each key (the tests check it).
var setupMessages = feature{
	source: []any{suNotActive, suNoApp, suComplete, suSkip, suRefused, suHow, suIntro, suHelpMissing, suHelpVATInvalid, suHelpOffline, suHelpMore, suRegHint},
	translations: map[language.Tag]map[string]any{
		language.German: {
			suNotActive:      "Noch nicht aktiv",
			suNoApp:          "Mit diesen Konten kann keine Anwendung genutzt werden, bis ihre Einrichtung abgeschlossen ist.",
			suComplete:       "Einrichtung abschließen",
			suSkip:           "Ohne Konto fortfahren",
			suRefused:        "Die Einrichtung dieses Kontos kann hier nicht abgeschlossen werden. Wählen Sie eines der aufgeführten Konten.",
			suHow:            "Wie lässt sich das lösen?",
			suIntro:          "Das Konto wird aktiv und kann mit Anwendungen genutzt werden, sobald auf dieser Liste nichts mehr steht. Der Inhaber erhält dann eine E-Mail.",
			suHelpMissing:    "Füllen Sie dieses Feld im Formular unten aus und speichern Sie.",
			suHelpVATInvalid: "Vergleichen Sie die Nummer mit Ihrer USt-Registrierung und prüfen Sie, ob das Land das ist, in dem sie registriert ist. Eine in den letzten Tagen vergebene Nummer ist vielleicht noch nicht in VIES; Ihr Finanzamt kann sie bestätigen. Korrigieren Sie sie unten und speichern Sie.",
			suHelpOffline:    "Nichts zu tun: Wir fragen VIES einen Tag lang alle 15 Minuten erneut, danach stündlich, und schicken dem Inhaber eine E-Mail, sobald das Konto aktiv ist. Speichern Sie das Formular, um jetzt erneut zu fragen.",
			suHelpMore:       "Ein Betreiber prüft das Konto; fragen Sie ihn, wenn es ausstehend bleibt.",
			suRegHint:        "Nur für ein Unternehmenskonto. Lassen Sie weg, was Sie nicht zur Hand haben: Das Konto bleibt ausstehend, bis seine Angaben vollständig sind, und Sie können sie in der Konsole ergänzen.",
		},
		language.French: {
			suNotActive:      "Pas encore actif",
			suNoApp:          "Aucune application ne peut être utilisée avec ces comptes tant que leur configuration n’est pas terminée.",
			suComplete:       "Terminer la configuration",
			suSkip:           "Continuer sans compte",
			suRefused:        "La configuration de ce compte ne peut pas être terminée ici. Choisissez l’un des comptes listés.",
			suHow:            "Comment résoudre ce problème ?",
			suIntro:          "Le compte devient actif, et utilisable avec les applications, dès que cette liste est vide. Le propriétaire reçoit alors un e-mail.",
			suHelpMissing:    "Remplissez ce champ dans le formulaire ci-dessous et enregistrez.",
			suHelpVATInvalid: "Comparez le numéro à votre immatriculation à la TVA, et vérifiez que le pays est bien celui où il est enregistré. Un numéro attribué ces derniers jours peut ne pas encore figurer dans VIES ; votre centre des impôts peut le confirmer. Corrigez-le ci-dessous et enregistrez.",
			suHelpOffline:    "Rien à faire : nous interrogeons VIES toutes les 15 minutes pendant un jour, puis toutes les heures, et écrivons au propriétaire dès que le compte est actif. Enregistrez le formulaire pour réessayer maintenant.",
			suHelpMore:       "Un opérateur vérifie le compte ; contactez-le s’il reste en attente.",
			suRegHint:        "Uniquement pour un compte professionnel. Laissez de côté ce que vous n’avez pas sous la main : le compte reste en attente jusqu’à ce que ses informations soient complètes, et vous pourrez les compléter dans la console.",
		},
		language.Spanish: {
			suNotActive:      "Aún no activa",
			suNoApp:          "Ninguna aplicación puede usarse con estas cuentas hasta que se complete su configuración.",
			suComplete:       "Completar la configuración",
			suSkip:           "Continuar sin cuenta",
			suRefused:        "La configuración de esa cuenta no puede completarse desde aquí. Elija una de las cuentas de la lista.",
			suHow:            "¿Cómo se resuelve?",
			suIntro:          "La cuenta pasa a estar activa, y puede usarse con aplicaciones, cuando no quede nada en esta lista. Entonces se envía un correo al propietario.",
			suHelpMissing:    "Rellene este campo en el formulario de abajo y guarde.",
			suHelpVATInvalid: "Compare el número con su registro del IVA y compruebe que el país es aquel en el que está registrado. Un número emitido en los últimos días puede no estar aún en VIES; su oficina tributaria puede confirmarlo. Corríjalo abajo y guarde.",
			suHelpOffline:    "No hace falta hacer nada: consultamos VIES cada 15 minutos durante un día y luego cada hora, y escribimos al propietario cuando la cuenta esté activa. Guarde el formulario para volver a consultar ahora.",
			suHelpMore:       "Un operador revisa la cuenta; consúltele si sigue pendiente.",
			suRegHint:        "Solo para una cuenta de empresa. Omita lo que no tenga a mano: la cuenta queda pendiente hasta que sus datos estén completos, y puede completarlos en la consola.",
		},
		language.Italian: {
			suNotActive:      "Non ancora attivo",
			suNoApp:          "Nessuna applicazione può essere usata con questi account finché la loro configurazione non è completa.",
			suComplete:       "Completa la configurazione",
			suSkip:           "Continua senza un account",
			suRefused:        "La configurazione di quell’account non può essere completata da qui. Scegli uno degli account elencati.",
			suHow:            "Come si risolve?",
			suIntro:          "L’account diventa attivo, e utilizzabile con le applicazioni, quando in questo elenco non resta nulla. Il proprietario riceve allora un’e-mail.",
			suHelpMissing:    "Compila questo campo nel modulo qui sotto e salva.",
			suHelpVATInvalid: "Confronta il numero con la tua registrazione IVA e verifica che il paese sia quello in cui è registrato. Un numero rilasciato negli ultimi giorni potrebbe non essere ancora in VIES; il tuo ufficio delle imposte può confermarlo. Correggilo qui sotto e salva.",
			suHelpOffline:    "Non devi fare nulla: interroghiamo di nuovo VIES ogni 15 minuti per un giorno, poi ogni ora, e scriviamo al proprietario quando l’account è attivo. Salva il modulo per riprovare subito.",
			suHelpMore:       "Un operatore controlla l’account; chiedigli se resta in sospeso.",
			suRegHint:        "Solo per un account aziendale. Tralascia ciò che non hai a portata di mano: l’account resta in sospeso finché i dati non sono completi, e puoi completarli nella console.",
		},
		language.Dutch: {
			suNotActive:      "Nog niet actief",
			suNoApp:          "Met deze accounts kan geen toepassing worden gebruikt totdat hun instelling voltooid is.",
			suComplete:       "Instelling voltooien",
			suSkip:           "Doorgaan zonder account",
			suRefused:        "De instelling van dat account kan hier niet worden voltooid. Kies een van de vermelde accounts.",
			suHow:            "Hoe los ik dit op?",
			suIntro:          "Het account wordt actief, en bruikbaar met toepassingen, zodra er niets meer op deze lijst staat. De eigenaar krijgt dan een e-mail.",
			suHelpMissing:    "Vul dit veld in het formulier hieronder in en sla op.",
			suHelpVATInvalid: "Vergelijk het nummer met uw btw-registratie en controleer of het land het land is waar het geregistreerd is. Een nummer dat de afgelopen dagen is uitgegeven, staat misschien nog niet in VIES; uw belastingkantoor kan het bevestigen. Verbeter het hieronder en sla op.",
			suHelpOffline:    "U hoeft niets te doen: we vragen VIES een dag lang elke 15 minuten opnieuw, daarna elk uur, en mailen de eigenaar zodra het account actief is. Sla het formulier op om nu opnieuw te vragen.",
			suHelpMore:       "Een beheerder controleert het account; vraag het hem als het in behandeling blijft.",
			suRegHint:        "Alleen voor een zakelijk account. Laat weg wat u niet bij de hand hebt: het account blijft in behandeling totdat de gegevens compleet zijn, en u kunt ze in de console aanvullen.",
		},
		language.Polish: {
			suNotActive:      "Jeszcze nieaktywne",
			suNoApp:          "Z tymi kontami nie można używać żadnej aplikacji, dopóki ich konfiguracja nie zostanie ukończona.",
			suComplete:       "Dokończ konfigurację",
			suSkip:           "Kontynuuj bez konta",
			suRefused:        "Konfiguracji tego konta nie można tu dokończyć. Wybierz jedno z wymienionych kont.",
			suHow:            "Jak to rozwiązać?",
			suIntro:          "Konto staje się aktywne i można go używać z aplikacjami, gdy na tej liście nic nie zostanie. Właściciel dostaje wtedy e-mail.",
			suHelpMissing:    "Wypełnij to pole w formularzu poniżej i zapisz.",
			suHelpVATInvalid: "Porównaj numer z rejestracją VAT i sprawdź, czy kraj jest tym, w którym go zarejestrowano. Numer nadany w ostatnich dniach może jeszcze nie być w VIES; urząd skarbowy może go potwierdzić. Popraw go poniżej i zapisz.",
			suHelpOffline:    "Nic nie trzeba robić: pytamy VIES ponownie co 15 minut przez dobę, potem co godzinę, i wysyłamy e-mail do właściciela, gdy konto będzie aktywne. Zapisz formularz, aby zapytać ponownie teraz.",
			suHelpMore:       "Operator sprawdza konto; zapytaj go, jeśli pozostaje oczekujące.",
			suRegHint:        "Tylko dla konta firmowego. Pomiń to, czego nie masz pod ręką: konto pozostaje oczekujące, dopóki dane nie będą pełne, a uzupełnisz je w konsoli.",
		},
		language.Portuguese: {
			suNotActive:      "Ainda não ativa",
			suNoApp:          "Nenhuma aplicação pode ser usada com estas contas até a configuração estar concluída.",
			suComplete:       "Concluir a configuração",
			suSkip:           "Continuar sem conta",
			suRefused:        "A configuração dessa conta não pode ser concluída aqui. Escolha uma das contas listadas.",
			suHow:            "Como resolver isto?",
			suIntro:          "A conta fica ativa, e pode ser usada com aplicações, quando não restar nada nesta lista. O proprietário recebe então um e-mail.",
			suHelpMissing:    "Preencha este campo no formulário abaixo e guarde.",
			suHelpVATInvalid: "Compare o número com o seu registo de IVA e verifique se o país é aquele em que está registado. Um número emitido nos últimos dias pode ainda não estar no VIES; o seu serviço de finanças pode confirmá-lo. Corrija-o abaixo e guarde.",
			suHelpOffline:    "Não é preciso fazer nada: perguntamos de novo ao VIES a cada 15 minutos durante um dia, depois a cada hora, e enviamos um e-mail ao proprietário quando a conta estiver ativa. Guarde o formulário para perguntar de novo agora.",
			suHelpMore:       "Um operador verifica a conta; pergunte-lhe se continuar pendente.",
			suRegHint:        "Só para uma conta empresarial. Deixe de fora o que não tiver à mão: a conta fica pendente até os dados estarem completos, e pode completá-los na consola.",
		},
		language.Swedish: {
			suNotActive:      "Inte aktivt än",
			suNoApp:          "Inget program kan användas med de här kontona förrän deras konfiguration är klar.",
			suComplete:       "Slutför konfigurationen",
			suSkip:           "Fortsätt utan konto",
			suRefused:        "Kontots konfiguration kan inte slutföras härifrån. Välj ett av kontona i listan.",
			suHow:            "Hur löser jag det?",
			suIntro:          "Kontot blir aktivt, och kan användas med program, när inget finns kvar på listan. Ägaren får då ett e-postmeddelande.",
			suHelpMissing:    "Fyll i fältet i formuläret nedan och spara.",
			suHelpVATInvalid: "Jämför numret med din momsregistrering och kontrollera att landet är det där det är registrerat. Ett nummer som utfärdats de senaste dagarna kanske inte finns i VIES än; ditt skattekontor kan bekräfta det. Rätta det nedan och spara.",
			suHelpOffline:    "Inget att göra: vi frågar VIES igen var 15:e minut i ett dygn, sedan varje timme, och mejlar ägaren när kontot är aktivt. Spara formuläret för att fråga igen nu.",
			suHelpMore:       "En operatör granskar kontot; fråga hen om det förblir väntande.",
			suRegHint:        "Bara för ett företagskonto. Hoppa över det du inte har till hands: kontot förblir väntande tills uppgifterna är kompletta, och du kan fylla i dem i konsolen.",
		},
		language.Danish: {
			suNotActive:      "Ikke aktiv endnu",
			suNoApp:          "Ingen applikation kan bruges med disse konti, før deres opsætning er færdig.",
			suComplete:       "Færdiggør opsætningen",
			suSkip:           "Fortsæt uden en konto",
			suRefused:        "Den kontos opsætning kan ikke færdiggøres herfra. Vælg en af de viste konti.",
			suHow:            "Hvordan løser jeg det?",
			suIntro:          "Kontoen bliver aktiv og kan bruges med applikationer, når der ikke er noget tilbage på listen. Ejeren får så en e-mail.",
			suHelpMissing:    "Udfyld feltet i formularen nedenfor, og gem.",
			suHelpVATInvalid: "Sammenlign nummeret med din momsregistrering, og tjek at landet er det, hvor det er registreret. Et nummer udstedt inden for de sidste dage er måske ikke i VIES endnu; dit skattekontor kan bekræfte det. Ret det nedenfor, og gem.",
			suHelpOffline:    "Intet at gøre: vi spørger VIES igen hvert 15. minut i et døgn, derefter hver time, og sender ejeren en e-mail, når kontoen er aktiv. Gem formularen for at spørge igen nu.",
			suHelpMore:       "En operatør kontrollerer kontoen; spørg vedkommende, hvis den forbliver afventende.",
			suRegHint:        "Kun for en virksomhedskonto. Udelad det, du ikke har ved hånden: kontoen forbliver afventende, indtil oplysningerne er komplette, og du kan udfylde dem i konsollen.",
		},
		language.Finnish: {
			suNotActive:      "Ei vielä aktiivinen",
			suNoApp:          "Näillä tileillä ei voi käyttää sovelluksia, ennen kuin niiden käyttöönotto on valmis.",
			suComplete:       "Viimeistele käyttöönotto",
			suSkip:           "Jatka ilman tiliä",
			suRefused:        "Tämän tilin käyttöönottoa ei voi viimeistellä täältä. Valitse jokin luettelon tileistä.",
			suHow:            "Miten tämän voi ratkaista?",
			suIntro:          "Tili aktivoituu ja sitä voi käyttää sovellusten kanssa, kun tässä luettelossa ei ole enää mitään. Omistaja saa silloin sähköpostin.",
			suHelpMissing:    "Täytä tämä kenttä alla olevassa lomakkeessa ja tallenna.",
			suHelpVATInvalid: "Vertaa numeroa arvonlisäverorekisteröintiisi ja tarkista, että maa on se, jossa numero on rekisteröity. Viime päivinä annettu numero ei ehkä ole vielä VIESissä; verotoimistosi voi vahvistaa sen. Korjaa se alla ja tallenna.",
			suHelpOffline:    "Sinun ei tarvitse tehdä mitään: kysymme VIESiltä uudelleen 15 minuutin välein vuorokauden ajan ja sen jälkeen tunnin välein, ja lähetämme omistajalle sähköpostin, kun tili on aktiivinen. Tallenna lomake, jos haluat kysyä heti uudelleen.",
			suHelpMore:       "Ylläpitäjä tarkistaa tilin; kysy häneltä, jos se jää odottamaan.",
			suRegHint:        "Vain yritystilille. Jätä pois se, mitä sinulla ei ole käsillä: tili odottaa, kunnes sen tiedot ovat täydelliset, ja voit täydentää ne konsolissa.",
		},
		language.Czech: {
			suNotActive:      "Zatím neaktivní",
			suNoApp:          "S těmito účty nelze používat žádnou aplikaci, dokud nebude jejich nastavení dokončeno.",
			suComplete:       "Dokončit nastavení",
			suSkip:           "Pokračovat bez účtu",
			suRefused:        "Nastavení tohoto účtu zde nelze dokončit. Vyberte jeden z uvedených účtů.",
			suHow:            "Jak to vyřešit?",
			suIntro:          "Účet se stane aktivním a bude ho možné používat s aplikacemi, jakmile na tomto seznamu nic nezůstane. Vlastník pak dostane e-mail.",
			suHelpMissing:    "Vyplňte toto pole ve formuláři níže a uložte.",
			suHelpVATInvalid: "Porovnejte číslo se svou registrací k DPH a ověřte, že země je ta, ve které je registrováno. Číslo vydané v posledních dnech ještě nemusí být ve VIES; váš finanční úřad ho může potvrdit. Opravte ho níže a uložte.",
			suHelpOffline:    "Není třeba nic dělat: VIES se znovu ptáme každých 15 minut po dobu jednoho dne, pak každou hodinu, a vlastníkovi pošleme e-mail, jakmile bude účet aktivní. Uložením formuláře se zeptáte znovu hned.",
			suHelpMore:       "Účet kontroluje operátor; zeptejte se ho, pokud zůstane čekající.",
			suRegHint:        "Jen pro firemní účet. Vynechte, co nemáte po ruce: účet zůstane čekající, dokud nebudou údaje úplné, a doplnit je můžete v konzoli.",
		},
	},
}
