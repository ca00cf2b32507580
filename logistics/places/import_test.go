package places_test

import (
	"bytes"
	"context"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/text/encoding/charmap"

	"scrutin/database/dbtest"
	"scrutin/logistics/check"
	"scrutin/logistics/places"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// importFile imports a reference file of ../shared/data.
func importFile(t testing.TB, pool *pgxpool.Pool, kind, name string) places.Report {
	t.Helper()
	f, err := os.Open(dbtest.SharedData(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	imp := places.ImportCommunes
	if kind == "bureaux" {
		imp = places.ImportBureaux
	}
	rep, err := imp(context.Background(), pool, f, nil)
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return rep
}

func importText(t testing.TB, pool *pgxpool.Pool, kind string, data []byte) places.Report {
	t.Helper()
	imp := places.ImportCommunes
	if kind == "bureaux" {
		imp = places.ImportBureaux
	}
	rep, err := imp(context.Background(), pool, bytes.NewReader(data), nil)
	if err != nil {
		t.Fatalf("import %s: %v", kind, err)
	}
	return rep
}

func count(t testing.TB, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func latin1(t testing.TB, s string) []byte {
	t.Helper()
	b, err := charmap.ISO8859_1.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestImportRealFiles(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()

	rep := importFile(t, pool, "communes", "communes-laposte-hexasmal.csv")
	// 36,013 distinct codes in the file; Monaco (99138) is a country, not a
	// French commune.
	want := places.Report{Inserted: 36012, Updated: 0, Skipped: 1,
		Problems: []places.Problem{{Line: 4846, Reason: "code 99138 : pays étranger, pas une commune française"}}}
	if !reflect.DeepEqual(rep, want) {
		t.Fatalf("first import: %+v, want %+v", rep, want)
	}
	pairs := count(t, pool, `SELECT count(*) FROM postal_codes`)
	if n := count(t, pool, `SELECT count(*) FROM communes`); n != 36012 {
		t.Fatalf("%d communes stored", n)
	}

	for _, c := range []struct {
		code, name, dep string
		postal          []string
	}{
		{"04049", "Château-Arnoux-Saint-Auban", "04", []string{"04160", "04600"}},
		{"04070", "Digne-les-Bains", "04", []string{"04000"}},
		{"75104", "Paris 4e Arrondissement", "75", []string{"75004"}},
		{"13201", "Marseille 1er Arrondissement", "13", []string{"13001"}},
		{"2A004", "Ajaccio", "2A", []string{"20000", "20090", "20167"}},
		{"97411", "Saint-Denis", "974", []string{"97400", "97417", "97490"}},
		{"01001", "L'Abergement-Clemenciat", "01", []string{"01400"}},
	} {
		got, err := places.GetCommune(ctx, pool, c.code)
		if err != nil {
			t.Fatalf("%s: %v", c.code, err)
		}
		if got.Name != c.name || got.Departement != c.dep || !reflect.DeepEqual(got.PostalCodes, c.postal) || got.Point == nil {
			t.Errorf("%s: %q %q %v %v, want %q %q %v with a position", c.code, got.Name, got.Departement, got.PostalCodes, got.Point, c.name, c.dep, c.postal)
		}
	}

	// La Poste's delivery name, for the address's last line.
	for postal, town := range map[[2]string]string{{"75004", "75104"}: "PARIS", {"04000", "04070"}: "DIGNE LES BAINS", {"13001", "13201"}: "MARSEILLE"} {
		var got string
		if err := pool.QueryRow(ctx, `SELECT delivery_town FROM postal_codes WHERE postal_code = $1 AND commune_code = $2`, postal[0], postal[1]).Scan(&got); err != nil || got != town {
			t.Errorf("delivery name of %v: %q, want %q (%v)", postal, got, town, err)
		}
	}
	again := importFile(t, pool, "communes", "communes-laposte-hexasmal.csv")
	if again.Inserted != 0 || again.Updated != 36012 || again.Skipped != 1 {
		t.Fatalf("second import: %+v", again)
	}
	if n := count(t, pool, `SELECT count(*) FROM communes`); n != 36012 {
		t.Fatalf("second import left %d communes", n)
	}
	if n := count(t, pool, `SELECT count(*) FROM postal_codes`); n != pairs {
		t.Fatalf("second import: %d postal codes, was %d", n, pairs)
	}

	for _, f := range []struct {
		name string
		n    int
	}{{"bureaux-reu-04.csv", 261}, {"bureaux-reu-paris.csv", 896}} {
		rep := importFile(t, pool, "bureaux", f.name)
		if rep.Inserted != f.n || rep.Updated != 0 || rep.Skipped != 0 {
			t.Fatalf("%s: %+v", f.name, rep)
		}
		rep = importFile(t, pool, "bureaux", f.name)
		if rep.Inserted != 0 || rep.Updated != f.n || rep.Skipped != 0 {
			t.Fatalf("%s again: %+v", f.name, rep)
		}
	}
	if n := count(t, pool, `SELECT count(*) FROM bureaux WHERE commune_code LIKE '04%'`); n != 261 {
		t.Fatalf("%d bureaux in 04", n)
	}
	if n := count(t, pool, `SELECT count(*) FROM bureaux WHERE commune_code LIKE '751%'`); n != 896 {
		t.Fatalf("%d bureaux in Paris", n)
	}

	digne, err := places.BureauxOf(ctx, pool, "04070")
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, b := range digne {
		codes = append(codes, b.Code)
	}
	if strings.Join(codes, " ") != "1 2 3 4 5 6 7 8 9 10 11 12" {
		t.Fatalf("Digne bureaux in order %v", codes)
	}

	b, err := places.GetBureau(ctx, pool, "75120", "0019")
	if err != nil {
		t.Fatal(err)
	}
	if b.Name != `MJC "LES HAUTS DE BELLEVILLE"` || b.Address != "43 RUE DU BORREGO, 75020 PARIS 20E ARRONDISSEMENT" ||
		b.PostalCode != "75020" || b.Point == nil || b.Point.Lat != 48.8734749732 {
		t.Fatalf("bureau 75120_19: %+v %v", b, b.Point)
	}
	// No coordinates in the REU file: the commune's position is used.
	p, err := places.Location(ctx, pool, "04036", "2")
	if err != nil || p == nil {
		t.Fatalf("location of 04036_2: %v %v", p, err)
	}
	if n := count(t, pool, `SELECT count(*) FROM audit_log WHERE action LIKE 'import.%' AND actor = 'system'`); n != 6 {
		t.Fatalf("%d audit rows for 6 imports", n)
	}
}

// The current La Poste release: "#" before the header, Latin-1, no
// coordinates. Coordinates already known stay.
func TestImportCommunesCurrentHeader(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	older := "Code_commune_INSEE;Nom_commune;Code_postal;Libelle_acheminement;Ligne_5;coordonnees_gps\r\n" +
		"04070;DIGNE LES BAINS;04000;DIGNE LES BAINS;;44.0908723554,6.23590323452\r\n" +
		"42218;ST ETIENNE;42000;ST ETIENNE;;45.4301235512,4.37913997076\r\n" +
		"42218;ST ETIENNE;42100;ST ETIENNE;;45.4301235512,4.37913997076\r\n"
	if rep := importText(t, pool, "communes", []byte(older)); rep.Inserted != 2 || rep.Skipped != 0 {
		t.Fatalf("older file: %+v", rep)
	}
	current := latin1(t, "#Code_commune_INSEE;Nom_de_la_commune;Code_postal;Libellé_d_acheminement;Ligne_5\r\n"+
		"04070;DIGNE LES BAINS;04000;DIGNE LES BAINS;\r\n"+
		"42218;ST ÉTIENNE;42000;ST ÉTIENNE;\r\n"+
		"42218;ST ÉTIENNE;42230;ST ÉTIENNE;ST VICTOR SUR LOIRE\r\n"+
		"4112;MANOSQUE;4100;MANOSQUE;\r\n")
	rep := importText(t, pool, "communes", current)
	want := places.Report{Inserted: 1, Updated: 2, Problems: []places.Problem{}}
	if !reflect.DeepEqual(rep, want) {
		t.Fatalf("current file: %+v, want %+v", rep, want)
	}
	for _, c := range []struct {
		code, name string
		postal     []string
		located    bool
	}{
		{"04070", "Digne-les-Bains", []string{"04000"}, true},
		{"42218", "Saint-Étienne", []string{"42000", "42230"}, true}, // 42100 no longer listed
		{"04112", "Manosque", []string{"04100"}, false},
	} {
		got, err := places.GetCommune(ctx, pool, c.code)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != c.name || !reflect.DeepEqual(got.PostalCodes, c.postal) || (got.Point != nil) != c.located {
			t.Errorf("%s: %q %v %v", c.code, got.Name, got.PostalCodes, got.Point)
		}
	}
	if p, _ := places.Location(ctx, pool, "04070", ""); p == nil || p.Lat != 44.0908723554 {
		t.Fatalf("Digne lost its position: %v", p)
	}
}

func TestImportCommunesEncodings(t *testing.T) {
	const header = "Code_commune_INSEE;Nom_commune;Code_postal;Libelle_acheminement;Ligne_5;coordonnees_gps\n"
	const row = "2A004;AJACCIO;20000;AJACCIO;;41.9,8.7\n"
	tests := []struct {
		name string
		data []byte
	}{
		{"UTF-8 with BOM, LF", append([]byte("\ufeff"), header+row...)},
		{"comma separator, quoted", []byte(`Code_commune_INSEE,Nom_commune,Code_postal,Libelle_acheminement,Ligne_5,coordonnees_gps` + "\r\n" +
			`2A004,AJACCIO,20000,AJACCIO,,"41.9,8.7"` + "\r\n")},
		{"no final newline", []byte(strings.TrimSuffix(header+row, "\n"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool := dbtest.New(t)
			rep := importText(t, pool, "communes", tt.data)
			if rep.Inserted != 1 || rep.Skipped != 0 {
				t.Fatalf("%+v", rep)
			}
			c, err := places.GetCommune(context.Background(), pool, "2A004")
			if err != nil || c.Name != "Ajaccio" || c.Departement != "2A" || c.Point == nil || c.Point.Lon != 8.7 {
				t.Fatalf("%+v %v", c, err)
			}
		})
	}
}

func TestImportCommunesReportsBadLines(t *testing.T) {
	pool := dbtest.New(t)
	data := "Code_commune_INSEE;Nom_commune;Code_postal;Libelle_acheminement;Ligne_5;coordonnees_gps\r\n" +
		"1001;L ABERGEMENT CLEMENCIAT;1400;L ABERGEMENT CLEMENCIAT;;46.15,4.92\r\n" + // 2: leading zeros lost
		"ABCDE;NULLE PART;12345;NULLE PART;;\r\n" + // 3
		"04070;;04000;DIGNE LES BAINS;;\r\n" + // 4
		"04070;DIGNE LES BAINS;04O00;DIGNE LES BAINS;;\r\n" + // 5
		"04070;DIGNE LES BAINS;04000;DIGNE LES BAINS;;44.09\r\n" + // 6
		"\r\n" + // 7: blank, ignored
		"99138;MONACO;98000;MONACO;;\r\n" + // 8
		"04070;DIGNE LES BAINS;04000;DIGNE LES BAINS;;44.0908723554,6.23590323452\r\n" + // 9
		";\r\n" // 10
	rep := importText(t, pool, "communes", []byte(data))
	want := places.Report{Inserted: 2, Skipped: 6, Problems: []places.Problem{
		{3, `code commune invalide : "ABCDE"`},
		{4, "nom de la commune 04070 manquant"},
		{5, `code postal invalide : "04O00"`},
		{6, `coordonnées GPS invalides : "44.09"`},
		{8, "code 99138 : pays étranger, pas une commune française"},
		{10, "code commune manquant (ligne incomplète : 2 colonnes au lieu de 6)"},
	}}
	if !reflect.DeepEqual(rep, want) {
		t.Fatalf("got  %+v\nwant %+v", rep, want)
	}
	c, err := places.GetCommune(context.Background(), pool, "01001")
	if err != nil || c.Name != "L'Abergement-Clemenciat" || !reflect.DeepEqual(c.PostalCodes, []string{"01400"}) {
		t.Fatalf("01001: %+v %v", c, err)
	}
}

func TestImportRefusesOtherFiles(t *testing.T) {
	pool := dbtest.New(t)
	reu := "id_brut_reu,id_brut_insee,code_commune,code,libelle_reu\n04070_1,04070_1,04070,1,MAIRIE\n"
	laPoste := "Code_commune_INSEE;Nom_commune;Code_postal;Libelle_acheminement;Ligne_5\n04070;DIGNE LES BAINS;04000;DIGNE LES BAINS;\n"
	tests := []struct {
		name, kind, data, msg string
	}{
		{"bureaux as communes", "communes", reu, "n'est pas la base des codes postaux"},
		{"communes as bureaux", "bureaux", laPoste, "n'est pas une table des bureaux"},
		{"empty", "communes", "", "vide"},
		{"blank lines", "bureaux", "\r\n\r\n", "vide"},
		{"binary", "communes", "PK\x03\x04\x14\x00\x06\x00", "n'est pas la base"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			imp := places.ImportCommunes
			if tt.kind == "bureaux" {
				imp = places.ImportBureaux
			}
			_, err := imp(context.Background(), pool, strings.NewReader(tt.data), nil)
			inv, ok := check.AsInvalid(err)
			if !ok || !strings.Contains(inv.Fields["file"], tt.msg) {
				t.Fatalf("error %v, want a message about the file containing %q", err, tt.msg)
			}
		})
	}
	if n := count(t, pool, `SELECT count(*) FROM communes`); n != 0 {
		t.Fatalf("a refused file imported %d communes", n)
	}
}

// communesFor loads the few communes the bureaux tests need.
func communesFor(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	importText(t, pool, "communes", []byte("Code_commune_INSEE;Nom_commune;Code_postal;Libelle_acheminement;Ligne_5;coordonnees_gps\n"+
		"04070;DIGNE LES BAINS;04000;DIGNE LES BAINS;;44.0908723554,6.23590323452\n"+
		"01001;L ABERGEMENT CLEMENCIAT;01400;L ABERGEMENT CLEMENCIAT;;46.15,4.92\n"+
		"75104;PARIS 04;75004;PARIS;;48.854228282,2.35736193814\n"))
}

func TestImportBureauxCodesAndColumns(t *testing.T) {
	pool := dbtest.New(t)
	ctx := context.Background()
	communesFor(t, pool)

	// Later REU release: ";" separator, Latin-1, BOM-less, id_brut_miom,
	// padded bureau codes, commune codes without their leading zero.
	first := latin1(t, "id_brut_reu;id_brut_insee;id_brut_miom;code_commune;code;libelle_reu;num_voie_reu;voie_reu;cp_reu;commune_reu;nb_adresses_initial;nb_adresses_final\r\n"+
		"04070_2;04070_2;04070_0002;04070;0002;ÉCOLE JOSEPH REINACH;12;BOULEVARD GASSENDI;04000;DIGNE-LES-BAINS;800;810\r\n"+
		"01001_1;01001_1;01001_0001;1001;0001;MAIRIE;;;;L'ABERGEMENT-CLÉMENCIAT;700;700\r\n"+
		"04070_10;04070_10;04070_0010;04070;10;SALLE;;;;;;\r\n")
	rep := importText(t, pool, "bureaux", first)
	if rep.Inserted != 3 || rep.Skipped != 0 {
		t.Fatalf("first file: %+v", rep)
	}
	b, err := places.GetBureau(ctx, pool, "04070", "2")
	if err != nil || b.Name != "ÉCOLE JOSEPH REINACH" || b.Address != "12 BOULEVARD GASSENDI, 04000 DIGNE-LES-BAINS" || b.PostalCode != "04000" {
		t.Fatalf("04070_2: %+v %v", b, err)
	}
	if b, err := places.GetBureau(ctx, pool, "01001", "1"); err != nil || b.Address != "L'ABERGEMENT-CLÉMENCIAT" {
		t.Fatalf("01001_1: %+v %v", b, err)
	}

	// Older release: ",", UTF-8 with BOM, unpadded codes, coordinates; the
	// same bureaux are updated, a name left empty keeps the known one.
	second := "\ufeffid_brut_reu,id_brut_insee,code_commune,code,libelle_reu,num_voie_reu,voie_reu,cp_reu,commune_reu,nb_adresses_initial,nb_adresses_final,latitude,longitude\n" +
		"04070_2,04070_2,04070,2,ÉCOLE REINACH,,,,,,,44.09,6.23\n" +
		"01001_1,01001_1,01001,1,,,,,,,,,\n" +
		"04070_3,04070_3,04070,3,GYMNASE,,,,,,,\"44,1\",\"6,24\"\n"
	rep = importText(t, pool, "bureaux", []byte(second))
	if rep.Inserted != 1 || rep.Updated != 2 || rep.Skipped != 0 {
		t.Fatalf("second file: %+v", rep)
	}
	if n := count(t, pool, `SELECT count(*) FROM bureaux`); n != 4 {
		t.Fatalf("%d bureaux after two imports, want 4", n)
	}
	b, _ = places.GetBureau(ctx, pool, "04070", "0002")
	if b.Name != "ÉCOLE REINACH" || b.Address != "12 BOULEVARD GASSENDI, 04000 DIGNE-LES-BAINS" || b.Point == nil || b.Point.Lat != 44.09 {
		t.Fatalf("04070_2 after update: %+v %v", b, b.Point)
	}
	if b, _ := places.GetBureau(ctx, pool, "01001", "1"); b.Name != "MAIRIE" {
		t.Fatalf("an empty label erased the name: %+v", b)
	}
	if b, _ := places.GetBureau(ctx, pool, "04070", "3"); b.Point == nil || b.Point.Lat != 44.1 || b.Point.Lon != 6.24 {
		t.Fatalf("decimal commas: %+v", b)
	}

	// Without coordinates, a later import keeps those already known.
	importText(t, pool, "bureaux", []byte("code_commune,code,libelle_reu\n04070,2,ÉCOLE REINACH\n"))
	if p, _ := places.Location(ctx, pool, "04070", "2"); p == nil || p.Lat != 44.09 {
		t.Fatalf("coordinates lost: %v", p)
	}
}

func TestImportBureauxReportsBadLines(t *testing.T) {
	pool := dbtest.New(t)
	communesFor(t, pool)
	data := "id_brut_reu,id_brut_insee,id_brut_miom,code_commune,code,libelle_reu,latitude,longitude\n" +
		"04070_1,04070_1,04070_0001,04070,1,MAIRIE,,\n" + // 2
		"04070_1,04070_1,04070_0001,04070,0001,MAIRIE BIS,,\n" + // 3: same bureau
		"04999_1,04999_1,04999_0001,04999,1,INCONNUE,,\n" + // 4: unknown commune
		"X,X,X,4O070,1,MAIRIE,,\n" + // 5
		"04070_,04070_,,04070,,SANS CODE,,\n" + // 6
		"04070_2,04070_2,,04070,2,ECOLE,91.5,6.2\n" + // 7
		"75056_104,75056_104,75104_0001,75056,104,MAIRIE DU 4E,,\n" + // 8: city-wide code, arrondissement in the id
		"75056_9,75056_9,,75056,9,ECOLE,,\n" + // 9: city-wide, no arrondissement
		"04070_3,04070_3,04070_0003,04070,B/3,ECOLE,,\n" + // 10
		",,,,,,,\n" // 11
	rep := importText(t, pool, "bureaux", []byte(data))
	want := places.Report{Inserted: 2, Skipped: 8, Problems: []places.Problem{
		{3, "bureau 04070_1 en double (déjà ligne 2)"},
		{4, "commune 04999 inconnue : importez d'abord les communes"},
		{5, `code commune invalide : "4O070"`},
		{6, "code du bureau manquant"},
		{7, `coordonnées invalides : "91.5", "6.2"`},
		{9, "bureau rattaché à la ville entière (75056) : le fichier doit donner l'arrondissement"},
		{10, `code du bureau invalide : "B/3"`},
		{11, "code commune manquant"},
	}}
	if !reflect.DeepEqual(rep, want) {
		t.Fatalf("got  %+v\nwant %+v", rep, want)
	}
	if b, err := places.GetBureau(context.Background(), pool, "75104", "1"); err != nil || b.Name != "MAIRIE DU 4E" {
		t.Fatalf("bureau filed under 75056 not found in 75104: %+v %v", b, err)
	}
}

// An import is all or nothing: when it fails half-way (here, another
// transaction holds the postal codes table past the import's lock
// timeout, after the communes were written), nothing of it remains.
func TestImportIsOneTransaction(t *testing.T) {
	ctx := context.Background()
	url := dbtest.NewURL(t)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["lock_timeout"] = "50ms"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	other, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	blocker, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := blocker.Exec(ctx, `LOCK TABLE postal_codes IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	data := "Code_commune_INSEE;Nom_commune;Code_postal\n04070;DIGNE LES BAINS;04000\n"
	_, err = places.ImportCommunes(ctx, pool, strings.NewReader(data), nil)
	blocker.Rollback(ctx)
	if err == nil {
		t.Fatal("import succeeded while the postal codes were locked")
	}
	if n := count(t, other, `SELECT count(*) FROM communes`); n != 0 {
		t.Fatalf("%d communes after a failed import", n)
	}
	if n := count(t, other, `SELECT count(*) FROM audit_log`); n != 0 {
		t.Fatalf("%d audit rows after a failed import", n)
	}
	// The same import goes through once the table is free.
	if rep, err := places.ImportCommunes(ctx, pool, strings.NewReader(data), nil); err != nil || rep.Inserted != 1 {
		t.Fatalf("import after the lock: %+v %v", rep, err)
	}
}

func TestImportAuditActorAndProgress(t *testing.T) {
	pool := dbtest.New(t)
	var calls []int
	ctx := places.WithActor(context.Background(), "staff:admin@example.org")
	var b strings.Builder
	b.WriteString("Code_commune_INSEE;Nom_commune;Code_postal\n")
	for i := 1; i <= 2500; i++ {
		b.WriteString("04070;DIGNE LES BAINS;04000\n")
	}
	rep, err := places.ImportCommunes(ctx, pool, strings.NewReader(b.String()), func(done int) { calls = append(calls, done) })
	if err != nil || rep.Inserted != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
	if !reflect.DeepEqual(calls, []int{1000, 2000, 2500}) {
		t.Fatalf("progress calls %v", calls)
	}
	var details map[string]any
	if err := pool.QueryRow(context.Background(), `SELECT details FROM audit_log WHERE actor = 'staff:admin@example.org' AND action = 'import.communes'`).Scan(&details); err != nil {
		t.Fatal(err)
	}
	if details["lines"] != float64(2500) || details["inserted"] != float64(1) {
		t.Fatalf("audit details %v", details)
	}
}
