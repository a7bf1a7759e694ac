package i18n

import "golang.org/x/text/language"

// The English keys of the invitation limits (package console).
const (
	limitResendSoon = "This invitation was sent less than a minute ago. Wait a moment before sending it again."
	limitInviteRate = "This address has had as many invitations today as we send to one address. Try again tomorrow."
)

// limitMessages holds the messages of the limits on invitation mail.
// Every language of coreTranslations needs each key (the tests check it).
var limitMessages = feature{
	source: []any{limitResendSoon, limitInviteRate},
	translations: map[language.Tag]map[string]any{
		language.German: {
			limitResendSoon: "Diese Einladung wurde vor weniger als einer Minute gesendet. Warten Sie einen Moment, bevor Sie sie erneut senden.",
			limitInviteRate: "Diese Adresse hat heute so viele Einladungen erhalten, wie wir an eine Adresse senden. Versuchen Sie es morgen erneut.",
		},
		language.French: {
			limitResendSoon: "Cette invitation a été envoyée il y a moins d’une minute. Patientez un instant avant de la renvoyer.",
			limitInviteRate: "Cette adresse a reçu aujourd’hui autant d’invitations que nous en envoyons à une adresse. Réessayez demain.",
		},
		language.Spanish: {
			limitResendSoon: "Esta invitación se envió hace menos de un minuto. Espere un momento antes de volver a enviarla.",
			limitInviteRate: "Esta dirección ya ha recibido hoy tantas invitaciones como enviamos a una dirección. Inténtelo de nuevo mañana.",
		},
		language.Italian: {
			limitResendSoon: "Questo invito è stato inviato meno di un minuto fa. Attenda un momento prima di inviarlo di nuovo.",
			limitInviteRate: "Questo indirizzo ha già ricevuto oggi tanti inviti quanti ne inviamo a un indirizzo. Riprovi domani.",
		},
		language.Dutch: {
			limitResendSoon: "Deze uitnodiging is minder dan een minuut geleden verstuurd. Wacht even voordat u haar opnieuw verstuurt.",
			limitInviteRate: "Dit adres heeft vandaag al zoveel uitnodigingen gekregen als we naar één adres sturen. Probeer het morgen opnieuw.",
		},
		language.Polish: {
			limitResendSoon: "To zaproszenie wysłano mniej niż minutę temu. Poczekaj chwilę, zanim wyślesz je ponownie.",
			limitInviteRate: "Ten adres otrzymał dziś tyle zaproszeń, ile wysyłamy na jeden adres. Spróbuj ponownie jutro.",
		},
		language.Portuguese: {
			limitResendSoon: "Este convite foi enviado há menos de um minuto. Aguarde um momento antes de o enviar de novo.",
			limitInviteRate: "Este endereço já recebeu hoje tantos convites quantos enviamos para um endereço. Tente de novo amanhã.",
		},
		language.Swedish: {
			limitResendSoon: "Inbjudan skickades för mindre än en minut sedan. Vänta en stund innan du skickar den igen.",
			limitInviteRate: "Den här adressen har i dag fått så många inbjudningar som vi skickar till en adress. Försök igen i morgon.",
		},
		language.Danish: {
			limitResendSoon: "Invitationen blev sendt for mindre end et minut siden. Vent et øjeblik, før du sender den igen.",
			limitInviteRate: "Denne adresse har i dag fået så mange invitationer, som vi sender til én adresse. Prøv igen i morgen.",
		},
		language.Finnish: {
			limitResendSoon: "Kutsu lähetettiin alle minuutti sitten. Odota hetki ennen kuin lähetät sen uudelleen.",
			limitInviteRate: "Tähän osoitteeseen on tänään lähetetty niin monta kutsua kuin yhteen osoitteeseen lähetämme. Yritä huomenna uudelleen.",
		},
		language.Czech: {
			limitResendSoon: "Tato pozvánka byla odeslána před méně než minutou. Chvíli počkejte, než ji odešlete znovu.",
			limitInviteRate: "Tato adresa dnes dostala tolik pozvánek, kolik na jednu adresu posíláme. Zkuste to zítra.",
		},
	},
}
