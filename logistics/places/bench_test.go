package places_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"scrutin/database/dbtest"
	"scrutin/logistics/places"
)

// nationalBureaux is the size of a national REU table (about 69,000
// polling stations in France).
const nationalBureaux = 70_000

// BenchmarkImportNational imports the real La Poste file (39,201 lines)
// then a national-size REU table generated from its communes, as an admin
// does before a national election: "empty" on a fresh database, "again"
// when both are already loaded (a refresh: nothing to write).
//
//	go test -run '^$' -bench ImportNational -benchtime 1x ./logistics/places
func BenchmarkImportNational(b *testing.B) {
	communes, err := os.ReadFile(dbtest.SharedData(b, "communes-laposte-hexasmal.csv"))
	if err != nil {
		b.Fatal(err)
	}
	bureaux := nationalREU(b, communes)
	both := func(b *testing.B, pool *pgxpool.Pool) {
		ctx := context.Background()
		rc, err := places.ImportCommunes(ctx, pool, bytes.NewReader(communes), nil)
		if err != nil {
			b.Fatal(err)
		}
		rb, err := places.ImportBureaux(ctx, pool, bytes.NewReader(bureaux), nil)
		if err != nil {
			b.Fatal(err)
		}
		if rc.Inserted+rc.Updated != 36012 || rb.Inserted+rb.Updated != nationalBureaux || rb.Skipped != 0 {
			b.Fatalf("communes %+v, bureaux %d/%d/%d", rc.Inserted+rc.Updated, rb.Inserted, rb.Updated, rb.Skipped)
		}
	}
	b.Run("empty", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			pool := dbtest.New(b)
			b.StartTimer()
			both(b, pool)
		}
	})
	b.Run("again", func(b *testing.B) {
		pool := dbtest.New(b)
		both(b, pool)
		for b.Loop() {
			both(b, pool)
		}
	})
}

// nationalREU writes a REU table (later release, with id_brut_miom and
// padded codes) of 70,000 bureaux over the real communes, one or two each.
func nationalREU(b *testing.B, laPoste []byte) []byte {
	var codes, names []string
	seen := map[string]bool{}
	for i, line := range strings.Split(string(laPoste), "\r\n") {
		f := strings.Split(line, ";")
		if i == 0 || len(f) < 3 || seen[f[0]] || strings.HasPrefix(f[0], "99") {
			continue
		}
		seen[f[0]] = true
		codes = append(codes, f[0])
		names = append(names, f[1])
	}
	var out bytes.Buffer
	out.WriteString("id_brut_reu,id_brut_insee,id_brut_miom,code_commune,code,libelle_reu,num_voie_reu,voie_reu,cp_reu,commune_reu,nb_adresses_initial,nb_adresses_final\r\n")
	for k := 0; k < nationalBureaux; k++ {
		i, n := k%len(codes), k/len(codes)+1
		c := codes[i]
		fmt.Fprintf(&out, "%s_%d,%s_%d,%s_%04d,%s,%04d,ECOLE %d,%d,PLACE DE LA MAIRIE,,%s,1000,1010\r\n",
			c, n, c, n, c, n, c, n, n, n, names[i])
	}
	if len(codes) != 36012 {
		b.Fatalf("%d communes in the La Poste file", len(codes))
	}
	return out.Bytes()
}
