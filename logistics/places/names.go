package places

import (
	"strconv"
	"strings"
	"unicode"
)

// DisplayName turns a commune name as La Poste writes it (upper-case ASCII,
// spaces for hyphens and apostrophes, "ST" for "Saint") into the way people
// write it: "CHATEAU ARNOUX ST AUBAN" -> "Château-Arnoux-Saint-Auban",
// "L ISLE SUR LA SORGUE" -> "L'Isle-sur-la-Sorgue", "PARIS 04" -> "Paris 4e
// Arrondissement". It follows the French typographic rule for place names
// (words joined by hyphens, a leading article kept apart, small words in
// lower case) and restores the accents of frequent words; rarer words keep
// their unaccented form. A name that already has lower-case letters is
// taken as written.
func DisplayName(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	for _, r := range s {
		if unicode.IsLower(r) {
			return s
		}
	}
	words := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == '\'' || r == '’' })
	if len(words) == 0 {
		return ""
	}
	if name, ok := arrondissementName(words); ok {
		return name
	}
	var b strings.Builder
	start := 0
	if len(words) > 1 {
		switch words[0] {
		case "LE", "LA", "LES":
			b.WriteString(capitalize(words[0]))
			b.WriteByte(' ')
			start = 1
		case "L", "D":
			b.WriteString(words[0] + "'")
			start = 1
		}
	}
	glue := "" // what goes before the next word
	for i := start; i < len(words); i++ {
		w := words[i]
		b.WriteString(glue)
		glue = "-"
		switch {
		case w == "ST":
			b.WriteString("Saint")
		case w == "STE":
			b.WriteString("Sainte")
		case i > start && (w == "L" || w == "D") && i+1 < len(words):
			b.WriteString(strings.ToLower(w) + "'")
			glue = ""
		case i > start && w == "A" && i+1 < len(words):
			b.WriteString("à") // "Pont-à-Mousson": La Poste drops the accent
		case i > start && smallWords[w]:
			b.WriteString(strings.ToLower(w))
		default:
			b.WriteString(capitalize(w))
		}
	}
	return b.String()
}

// arrondissementName names Paris, Lyon and Marseille arrondissements the
// way INSEE does: "MARSEILLE 01" -> "Marseille 1er Arrondissement".
func arrondissementName(words []string) (string, bool) {
	if len(words) != 2 && !(len(words) == 3 && words[2] == "ARRONDISSEMENT") {
		return "", false
	}
	switch words[0] {
	case "PARIS", "LYON", "MARSEILLE":
	default:
		return "", false
	}
	num := strings.TrimRight(words[1], "ER") // "1ER", "4E", "04"
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 || n > 20 {
		return "", false
	}
	suffix := "e"
	if n == 1 {
		suffix = "er"
	}
	return capitalize(words[0]) + " " + strconv.Itoa(n) + suffix + " Arrondissement", true
}

// smallWords stay in lower case inside a name ("Saint-Paul-de-Vence").
var smallWords = map[string]bool{
	"DE": true, "DU": true, "DES": true, "LA": true, "LE": true, "LES": true, "LEZ": true,
	"SUR": true, "SOUS": true, "EN": true, "ET": true, "AU": true, "AUX": true,
	"DI": true, // Corsican: "Ville-di-Pietrabugno"
}

func capitalize(w string) string {
	if a, ok := accented[w]; ok {
		return a
	}
	r := []rune(strings.ToLower(w))
	if len(r) > 0 {
		r[0] = unicode.ToUpper(r[0])
	}
	return string(r)
}

// accented restores the accents of words frequent in commune names, which
// La Poste writes without them.
var accented = map[string]string{
	"ABBAYE": "Abbaye", "AGREVE": "Agrève", "ANDRE": "André", "ARDECHE": "Ardèche", "ARIEGE": "Ariège",
	"BARTHELEMY": "Barthélemy", "BENOIT": "Benoît", "BEZIERS": "Béziers", "CHALONS": "Châlons",
	"CHATEAU": "Château", "CHATEAUBRIANT": "Châteaubriant", "CHATEAUDUN": "Châteaudun",
	"CHATEAUNEUF": "Châteauneuf", "CHATEAUROUX": "Châteauroux", "CHATEAUX": "Châteaux",
	"CHATEL": "Châtel", "CHATELET": "Châtelet", "CHATELLERAULT": "Châtellerault", "CHATILLON": "Châtillon",
	"CHENE": "Chêne", "CHENES": "Chênes", "CLEMENT": "Clément", "COTE": "Côte", "COTES": "Côtes",
	"DROME": "Drôme", "ECOUEN": "Écouen", "EGLISE": "Église", "EGLISES": "Églises", "ELOI": "Éloi",
	"EMILION": "Émilion", "EPERNAY": "Épernay", "EPINAL": "Épinal", "EPINAY": "Épinay", "EPINE": "Épine",
	"ETAMPES": "Étampes", "ETANG": "Étang", "ETANGS": "Étangs", "ETIENNE": "Étienne", "EVEQUE": "Évêque",
	"EVREUX": "Évreux", "EVRY": "Évry", "FERTE": "Ferté", "FORET": "Forêt", "FREJUS": "Fréjus",
	"GENES": "Genès", "GENEVIEVE": "Geneviève", "GERARDMER": "Gérardmer", "GREGOIRE": "Grégoire",
	"HELENE": "Hélène", "HERAULT": "Hérault", "HOPITAL": "Hôpital", "HYERES": "Hyères", "ILE": "Île",
	"ILES": "Îles", "ISERE": "Isère", "JEROME": "Jérôme", "LEGER": "Léger", "LEONARD": "Léonard",
	"LOZERE": "Lozère", "MEDARD": "Médard", "MEE": "Mée", "MEES": "Mées", "MEZIERES": "Mézières",
	"MONTREAL": "Montréal", "NIEVRE": "Nièvre", "NIMES": "Nîmes", "ORLEANS": "Orléans",
	"PREAUX": "Préaux", "PRE": "Pré", "REMY": "Rémy", "RHONE": "Rhône", "RIVIERE": "Rivière",
	"RIVIERES": "Rivières", "SAONE": "Saône", "SEBASTIEN": "Sébastien", "SETE": "Sète",
	"SEVERIN": "Séverin", "SEVRES": "Sèvres", "THEGONNEC": "Thégonnec", "VALERY": "Valéry",
	"VALLEE": "Vallée", "VENDEE": "Vendée", "VERONIQUE": "Véronique",
}
