package vat

// This file holds the checks of AT, BE, BG, CY, CZ, DE, DK, EE and EL,
// each written from the national definition. Each gets the part after the
// prefix, of one of the lengths its rule allows.

// checkAT: U, 7 digits and a check digit. The digits in the even places
// are doubled and replaced by their digit sum; the check digit is 10 minus
// the last digit of the sum plus 4.
func checkAT(b string) verdict {
	if b[0] != 'U' || !isDigits(b[1:]) {
		return badFormat
	}
	sum := doubledSum(b[1:8], false)
	return judge((10-(sum+4)%10)%10 == digitAt(b, 8))
}

// checkBE: 10 digits starting with 0 or 1; the last two are 97 minus the
// first eight modulo 97.
func checkBE(b string) verdict {
	if !isDigits(b) || b[0] > '1' {
		return badFormat
	}
	return judge(97-atoi(b[:8])%97 == atoi(b[8:]))
}

// checkBG: 9 digits for a legal entity; 10 for a person (their EGN), a
// foreigner (LNCh) or another taxpayer. A 10-digit number passes when any
// of the three checks does.
func checkBG(b string) verdict {
	if !isDigits(b) {
		return badFormat
	}
	if len(b) == 9 {
		r := weighted(b, 1, 2, 3, 4, 5, 6, 7, 8) % 11
		if r == 10 {
			r = weighted(b, 3, 4, 5, 6, 7, 8, 9, 10) % 11 % 10
		}
		return judge(r == digitAt(b, 8))
	}
	return judge(bgPerson(b) || weighted(b, 21, 19, 17, 13, 11, 9, 7, 3, 1)%10 == digitAt(b, 9) || bgOther(b))
}

// bgPerson checks a Bulgarian EGN: a birth date YYMMDD (the month plus 20
// for the 1800s, plus 40 for the 2000s), three digits and a check digit.
func bgPerson(b string) bool {
	year, month := 1900+atoi(b[:2]), atoi(b[2:4])
	switch {
	case month > 40:
		year, month = year+100, month-40
	case month > 20:
		year, month = year-100, month-20
	}
	return validDate(year, month, atoi(b[4:6])) && weighted(b, 2, 4, 8, 5, 10, 9, 7, 3, 6)%11%10 == digitAt(b, 9)
}

// bgOther checks the 10-digit number of other Bulgarian taxpayers.
func bgOther(b string) bool {
	c := 11 - weighted(b, 4, 3, 2, 7, 6, 5, 4, 3, 2)%11
	if c == 11 {
		c = 0
	}
	return c != 10 && c == digitAt(b, 9)
}

// cyOdd replaces the digits in the odd places of a Cypriot number.
var cyOdd = [10]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21}

// checkCY: 8 digits and a check letter. The first digit is 0, 1, 3, 4, 5
// or 9, and the number does not start with 12. The digits in the odd
// places are replaced through cyOdd; the letter is A plus the sum modulo
// 26.
func checkCY(b string) verdict {
	if !isDigits(b[:8]) || b[8] < 'A' || b[8] > 'Z' || !oneOfBytes(b[0], "013459") || b[:2] == "12" {
		return badFormat
	}
	sum := 0
	for i := range 8 {
		if i%2 == 0 {
			sum += cyOdd[digitAt(b, i)]
		} else {
			sum += digitAt(b, i)
		}
	}
	return judge(byte('A'+sum%26) == b[8])
}

// czSpecial maps the intermediate value of a 9-digit Czech number starting
// with 6 to its check digit.
var czSpecial = [11]int{8, 7, 6, 5, 4, 3, 2, 1, 0, 9, 8}

// checkCZ: 8 digits for a legal entity (weights 8 to 2, modulo 11); 9
// digits starting with 6 for a person without a birth number; else a
// person's birth number of 9 (born before 1954) or 10 digits.
func checkCZ(b string) verdict {
	if !isDigits(b) {
		return badFormat
	}
	switch {
	case len(b) == 8:
		if b[0] == '9' {
			return badFormat
		}
		return judge((11-weighted(b, 8, 7, 6, 5, 4, 3, 2)%11)%10 == digitAt(b, 7))
	case len(b) == 9 && b[0] == '6':
		a := 11 - weighted(b[1:], 8, 7, 6, 5, 4, 3, 2)%11
		return judge(czSpecial[a-1] == digitAt(b, 8))
	}
	return czBirthNumber(b)
}

// czBirthNumber checks a Czech birth number: YYMMDD, the month plus 50 for
// women (and plus 20 more from 2004 when a day runs out of numbers), then
// 3 digits (before 1954) or 4 digits divisible by 11 as a whole.
func czBirthNumber(b string) verdict {
	yy, month := atoi(b[:2]), atoi(b[2:4])
	if month > 50 {
		month -= 50
	}
	if month > 20 {
		month -= 20
	}
	year := 1900 + yy
	if len(b) == 10 && yy < 54 {
		year += 100
	}
	if len(b) == 9 && yy >= 54 || !validDate(year, month, atoi(b[4:6])) {
		return badFormat
	}
	if len(b) == 9 {
		return pass // no check digit before 1954
	}
	n := atoi(b)
	return judge(n%11 == 0 || atoi(b[:9])%11 == 10 && b[9] == '0')
}

// checkDE: 9 digits, the first not 0, the last by ISO 7064 MOD 11,10.
func checkDE(b string) verdict {
	if !isDigits(b) || b[0] == '0' {
		return badFormat
	}
	return judge(mod11_10(b[:8]) == digitAt(b, 8))
}

// checkDK: 8 digits, the first not 0; weights 2, 7, 6, 5, 4, 3, 2, 1 sum
// to a multiple of 11.
func checkDK(b string) verdict {
	if !isDigits(b) || b[0] == '0' {
		return badFormat
	}
	return judge(weighted(b, 2, 7, 6, 5, 4, 3, 2, 1)%11 == 0)
}

// checkEE: 9 digits starting with 10; weights 3, 7, 1 repeated, and the
// check digit brings the sum to a multiple of 10.
func checkEE(b string) verdict {
	if !isDigits(b) || b[:2] != "10" {
		return badFormat
	}
	return judge((10-weighted(b, 3, 7, 1, 3, 7, 1, 3, 7)%10)%10 == digitAt(b, 8))
}

// checkEL: 9 digits; weights the powers of 2 from 256 down to 2, modulo 11
// then modulo 10.
func checkEL(b string) verdict {
	if !isDigits(b) {
		return badFormat
	}
	return judge(weighted(b, 256, 128, 64, 32, 16, 8, 4, 2)%11%10 == digitAt(b, 8))
}
