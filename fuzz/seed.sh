#!/bin/sh
# Seeds each target's corpus from sample-data/ (run from fuzz/).
set -e
S=../sample-data
mkdir -p corpus/bundle corpus/ldif corpus/csvde corpus/powershell_csv corpus/powershell_json corpus/graph corpus/scenario corpus/hardmatch_csv corpus/cache
cp $S/contoso.json corpus/bundle/
cp $S/exports/contoso-ad.ldf $S/exports-formats/ldapsearch/contoso-ad.ldif corpus/ldif/
cp $S/exports-formats/csvde/contoso-ad.csv corpus/csvde/
cp $S/exports-formats/powershell-5.1-csv/*.csv corpus/powershell_csv/
cp $S/exports-formats/powershell-7-json/*.json corpus/powershell_json/
cp $S/exports/*.json corpus/graph/
cp $S/scenarios/*.json corpus/scenario/
printf 'SamAccountName,CloudUPN\r\nijohansson,jordan.lee@contoso.com\r\nnpetersen,nils.petersen@fabrikam.com\r\n' > corpus/hardmatch_csv/pairs.csv
if [ -d $S/exports-formats/real-world ]; then
  for f in $S/exports-formats/real-world/*; do
    case "$f" in
      *.csv) cp "$f" corpus/powershell_csv/ ;;
      *.ldf|*.ldif) cp "$f" corpus/ldif/ ;;
      *.json) cp "$f" corpus/graph/ ;;
    esac
  done
fi
# The cache target starts from a real cache of the sample (its sections are in the file whole).
../target/release/syncscope plan $S/contoso.json --cache > /dev/null 2>&1 && mv $S/contoso.json.syncscope-cache corpus/cache/ || true
