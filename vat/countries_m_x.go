package vat

import "strings"

// This file holds the checks of MT, NL, PL, PT, RO, SE, SI, SK and XI,
// each written from the national definition.

// checkMT: 8 digits, the first not 0; weights 3, 4, 6, 7, 8, 9 and the
// last two digits are 37 minus the sum modulo 37.
func checkMT(b string) verdict {
	if !isDigits(b) || b[0] == '0' {
		return badFormat
	}
	return judge(37-weighted(b, 3, 4, 6, 7, 8, 9)%37 == atoi(b[6:]))
}

// checkNL: 9 digits, B and 2 digits. The numbers of companies (the old
// form) have weights 9 to 2 on the first 8 digits, modulo 11, giving the
// 9th. The sole traders' numbers of 2020 pass the ISO 7064 MOD 97-10
// check over "NL" and the whole number (letters as 10 to 35), like an
// IBAN. Either passes.
func checkNL(b string) verdict {
	if !isDigits(b[:9]) || b[9] != 'B' || !isDigits(b[10:]) {
		return badFormat
	}
	r := weighted(b, 9, 8, 7, 6, 5, 4, 3, 2) % 11
	return judge(r == digitAt(b, 8) || mod97("NL"+b) == 1)
}

// checkPL: 10 digits; weights 6, 5, 7, 2, 3, 4, 5, 6, 7 modulo 11 give the
// last (never 10).
func checkPL(b string) verdict {
	if !isDigits(b) {
		return badFormat
	}
	return judge(weighted(b, 6, 5, 7, 2, 3, 4, 5, 6, 7)%11 == digitAt(b, 9))
}

// checkPT: 9 digits, the first not 0; weights 9 to 2, and the check digit
// is 11 minus the sum modulo 11, or 0 when that is 10 or 11.
func checkPT(b string) verdict {
	if !isDigits(b) || b[0] == '0' {
		return badFormat
	}
	c := 11 - weighted(b, 9, 8, 7, 6, 5, 4, 3, 2)%11
	if c >= 10 {
		c = 0
	}
	return judge(c == digitAt(b, 8))
}

// checkRO: 2 to 10 digits, the first not 0. Padded on the left with
// zeros to 10, the weights 7, 5, 3, 2, 1, 7, 5, 3, 2 times 10, modulo 11,
// give the last digit (10 gives 0).
func checkRO(b string) verdict {
	if !isDigits(b) || b[0] == '0' {
		return badFormat
	}
	p := strings.Repeat("0", 10-len(b)) + b
	return judge(weighted(p, 7, 5, 3, 2, 1, 7, 5, 3, 2)*10%11%10 == digitAt(p, 9))
}

// checkSE: 12 digits: the 10-digit organisation or personal number, whose
// last digit is a Luhn check, and 01 (up to 94 for some entities).
func checkSE(b string) verdict {
	if !isDigits(b) {
		return badFormat
	}
	if n := atoi(b[10:]); n < 1 || n > 94 {
		return badFormat
	}
	return judge(luhn(b[:10]))
}

// checkSI: 8 digits, the first not 0; the check digit is 11 minus weights
// 8 to 2 modulo 11, or 0 for 10 (11 is never issued).
func checkSI(b string) verdict {
	if !isDigits(b) || b[0] == '0' {
		return badFormat
	}
	c := 11 - weighted(b, 8, 7, 6, 5, 4, 3, 2)%11
	return judge(c != 11 && c%10 == digitAt(b, 7))
}

// checkSK: 10 digits, the first not 0 and the third one of 2, 3, 4, 7, 8,
// 9; the number is divisible by 11.
func checkSK(b string) verdict {
	if !isDigits(b) || b[0] == '0' || !oneOfBytes(b[2], "234789") {
		return badFormat
	}
	return judge(atoi(b)%11 == 0)
}

// checkXI checks a Northern Ireland number, which follows the United
// Kingdom's rules: 9 digits, or 12 for a branch (the 9 and 3 more); or a
// government department (GD and 3 digits below 500) or health authority
// (HA and 3 digits from 500). Weights 8 to 2 on the first 7 digits plus
// the next two as a number give a multiple of 97, or, for numbers issued
// since 2010, that plus 55 does.
func checkXI(b string) verdict {
	if len(b) == 5 {
		n := atoi(b[2:])
		switch {
		case !isDigits(b[2:]):
			return badFormat
		case b[:2] == "GD" && n < 500, b[:2] == "HA" && n >= 500:
			return pass
		}
		return badFormat
	}
	if !isDigits(b) {
		return badFormat
	}
	sum := weighted(b, 8, 7, 6, 5, 4, 3, 2) + atoi(b[7:9])
	return judge(sum%97 == 0 || (sum+55)%97 == 0)
}
