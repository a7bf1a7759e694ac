package vat

import "strings"

// This file holds the checks of ES, FI, FR, HR, HU, IE, IT, LT, LU and LV,
// each written from the national definition.

// esLetters are the check letters of the Spanish DNI and NIE, by the
// number modulo 23.
const esLetters = "TRWAGMYFPDXBNJZSQVHLCKE"

// checkES: a person's DNI (8 digits and a letter), a foreigner's NIE (X, Y
// or Z, 7 digits and a letter), a K, L or M number (a letter, 7 digits and
// a DNI letter), or a legal entity's CIF (a letter, 7 digits and a check
// digit or letter).
func checkES(b string) verdict {
	last := b[8]
	switch {
	case isDigits(b[:8]):
		return esLetter(atoi(b[:8]), last)
	case !isDigits(b[1:8]):
		return badFormat
	case oneOfBytes(b[0], "XYZ"):
		return esLetter(int(b[0]-'X')*10_000_000+atoi(b[1:8]), last)
	case oneOfBytes(b[0], "KLM"):
		return esLetter(atoi(b[1:8]), last)
	case oneOfBytes(b[0], "ABCDEFGHJNPQRSUVW"):
		return checkCIF(b)
	}
	return badFormat
}

// esLetter checks the DNI letter of n.
func esLetter(n int, letter byte) verdict {
	if letter < 'A' || letter > 'Z' {
		return badFormat
	}
	return judge(esLetters[n%23] == letter)
}

// checkCIF checks a Spanish CIF: the digits in the odd places of the 7 are
// doubled and replaced by their digit sum, and the control c brings the
// sum to a multiple of 10. Its control is the digit c for A, B, E and H,
// the letter "JABCDEFGHI"[c] for N, P, Q, R, S and W, and either for the
// others.
func checkCIF(b string) verdict {
	c := (10 - doubledSum(b[1:8], true)%10) % 10
	last := b[8]
	digit, letter := last == byte('0'+c), last == "JABCDEFGHI"[c]
	switch {
	case !isDigits(b[8:]) && (last < 'A' || last > 'Z'):
		return badFormat
	case oneOfBytes(b[0], "ABEH"):
		return judge(digit)
	case oneOfBytes(b[0], "NPQRSW"):
		return judge(letter)
	}
	return judge(digit || letter)
}

// checkFI: 8 digits; weights 7, 9, 10, 5, 8, 4, 2 modulo 11 give r, and
// the check digit is 0 for r = 0 and 11 - r otherwise (r = 1 is never
// issued).
func checkFI(b string) verdict {
	if !isDigits(b) {
		return badFormat
	}
	r := weighted(b, 7, 9, 10, 5, 8, 4, 2) % 11
	if r == 1 {
		return badCheck
	}
	return judge((11-r)%11 == digitAt(b, 7))
}

// frKeyChars are the characters of the new French keys, in the order that
// gives their value (I and O are not used).
const frKeyChars = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// checkFR: a two-character key and the 9-digit SIREN. A key of two digits
// is (12 + 3 × (SIREN mod 97)) mod 97; a key with a letter is checked by
// the published formula for the new keys.
func checkFR(b string) verdict {
	if !isDigits(b[2:]) {
		return badFormat
	}
	siren := atoi(b[2:])
	if isDigits(b[:2]) {
		return judge(atoi(b[:2]) == (12+3*(siren%97))%97)
	}
	c0, c1 := strings.IndexByte(frKeyChars, b[0]), strings.IndexByte(frKeyChars, b[1])
	if c0 < 0 || c1 < 0 {
		return badFormat
	}
	var s int
	if c0 < 10 {
		s = c0*24 + c1 - 10
	} else {
		s = c0*34 + c1 - 100
	}
	return judge(s%11 == (siren+s/11+1)%11)
}

// checkHR: 11 digits (the OIB), the last by ISO 7064 MOD 11,10.
func checkHR(b string) verdict {
	if !isDigits(b) {
		return badFormat
	}
	return judge(mod11_10(b[:10]) == digitAt(b, 10))
}

// checkHU: 8 digits; weights 9, 7, 3, 1 repeated, and the check digit
// brings the sum to a multiple of 10.
func checkHU(b string) verdict {
	if !isDigits(b) {
		return badFormat
	}
	return judge((10-weighted(b, 9, 7, 3, 1, 9, 7, 3)%10)%10 == digitAt(b, 7))
}

// ieLetters are the Irish check letters, by the sum modulo 23.
const ieLetters = "WABCDEFGHIJKLMNOPQRSTUV"

// checkIE: 7 digits, a check letter and, in the numbers issued since
// 2013, a second letter (A to I, or W); or the old form of a digit, a
// letter (or + or *), 5 digits and a check letter, which is read as 0,
// the 5 digits and the first digit. Weights 8 to 2, plus 9 times the
// second letter (W = 0, A = 1 …), modulo 23 give the check letter.
func checkIE(b string) verdict {
	if len(b) == 8 && isDigits(b[:1]) && !isDigits(b[1:2]) && isDigits(b[2:7]) {
		if b[1] != '+' && b[1] != '*' && (b[1] < 'A' || b[1] > 'Z') {
			return badFormat
		}
		b = "0" + b[2:7] + b[:1] + b[7:]
	}
	if !isDigits(b[:7]) || b[7] < 'A' || b[7] > 'W' {
		return badFormat
	}
	sum := weighted(b, 8, 7, 6, 5, 4, 3, 2)
	if len(b) == 9 {
		switch {
		case b[8] == 'W':
		case b[8] >= 'A' && b[8] <= 'I':
			sum += 9 * int(b[8]-'A'+1)
		default:
			return badFormat
		}
	}
	return judge(ieLetters[sum%23] == b[7])
}

// checkIT: 11 digits: 7 for the company, 3 for the tax office (001 to 100,
// 120, 121, 888 or 999) and a Luhn check digit.
func checkIT(b string) verdict {
	if !isDigits(b) || b[:7] == "0000000" {
		return badFormat
	}
	if office := atoi(b[7:10]); (office < 1 || office > 100) && office != 120 && office != 121 && office != 888 && office != 999 {
		return badFormat
	}
	return judge(luhn(b))
}

// checkLT: 9 digits (legal entities, the 8th is 1) or 12 (temporary
// numbers, the 11th is 1). Weights 1 to 9 then 1 again, modulo 11; when
// that is 10, weights starting at 3, and 10 then gives 0.
func checkLT(b string) verdict {
	n := len(b) - 1
	if !isDigits(b) || b[n-1] != '1' {
		return badFormat
	}
	sum := 0
	for i := range n {
		sum += digitAt(b, i) * (1 + i%9)
	}
	r := sum % 11
	if r == 10 {
		sum = 0
		for i := range n {
			sum += digitAt(b, i) * (1 + (i+2)%9)
		}
		r = sum % 11 % 10
	}
	return judge(r == digitAt(b, n))
}

// checkLU: 8 digits; the first six modulo 89 are the last two.
func checkLU(b string) verdict {
	if !isDigits(b) {
		return badFormat
	}
	return judge(atoi(b[:6])%89 == atoi(b[6:]))
}

// checkLV: 11 digits. A first digit above 3 is a legal entity: weights 9,
// 1, 4, 8, 3, 10, 2, 5, 7, 6 and the check digit sum to 3 modulo 11. Else
// a person: their code DDMMYY, a century digit (0 for the 1800s, 1, 2),
// three digits and a check digit (1101 minus weights 1, 6, 3, 7, 9, 10, 5,
// 8, 4, 2, modulo 11); codes starting with 32 carry no date and no check.
func checkLV(b string) verdict {
	if !isDigits(b) {
		return badFormat
	}
	switch {
	case b[0] > '3':
		return judge((weighted(b, 9, 1, 4, 8, 3, 10, 2, 5, 7, 6)+digitAt(b, 10))%11 == 3)
	case b[:2] == "32":
		return pass
	case b[6] > '2' || !validDate(1800+100*digitAt(b, 6)+atoi(b[4:6]), atoi(b[2:4]), atoi(b[:2])):
		return badFormat
	}
	return judge((1101-weighted(b, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2))%11 == digitAt(b, 10))
}
