package stories

// Stop lists of the languages with an analyzer of their own (lower case). Each is
// the Snowball project's list for its language (snowballstem.org, BSD licence: the
// words only, comments dropped) plus, as englishStop has, the words every news story
// of that language uses and so tell none apart: weekdays, today/yesterday, the
// reporting verbs ("sagte", "a déclaré", "dijo") and "according to".

const germanStop = `aber alle allem allen aller alles als also am an ander andere anderem anderen anderer
anderes anderm andern anderr anders auch auf aus bei bin bis bist da damit dann der den des dem die das
daß derselbe derselben denselben desselben demselben dieselbe dieselben dasselbe dazu dein deine deinem
deinen deiner deines denn derer dessen dich dir du dies diese diesem diesen dieser dieses doch dort durch
ein eine einem einen einer eines einig einige einigem einigen einiger einiges einmal er ihn ihm es etwas
euer eure eurem euren eurer eures für gegen gewesen hab habe haben hat hatte hatten hier hin hinter ich
mich mir ihr ihre ihrem ihren ihrer ihres euch im in indem ins ist jede jedem jeden jeder jedes jene
jenem jenen jener jenes jetzt kann kein keine keinem keinen keiner keines können könnte machen man
manche manchem manchen mancher manches mein meine meinem meinen meiner meines mit muss musste nach nicht
nichts noch nun nur ob oder ohne sehr sein seine seinem seinen seiner seines selbst sich sie ihnen sind
so solche solchem solchen solcher solches soll sollte sondern sonst über um und uns unse unsem unsen
unser unses unter viel vom von vor während war waren warst was weg weil weiter welche welchem welchen
welcher welches wenn werde werden wie wieder will wir wird wirst wo wollen wollte würde würden zu zum zur
zwar zwischen
dass sei seien wurde wurden worden sowie bereits beim seit wegen schon immer mehr etwa rund ab laut
sagte sagt sagten erklärte teilte mit montag dienstag mittwoch donnerstag freitag samstag sonntag
sonnabend heute gestern morgen uhr`

const frenchStop = `au aux avec ce ces dans de des du elle en et eux il je la le leur lui ma mais me même mes
moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos
votre vous c d j l à m n s t y été étée étées étés étant suis es est sommes êtes sont serai seras sera
serons serez seront serais serait serions seriez seraient étais était étions étiez étaient fus fut fûmes
fûtes furent sois soit soyons soyez soient fusse fusses fût fussions fussiez fussent ayant eu eue eues
eus ai as avons avez ont aurai auras aura aurons aurez auront aurais aurait aurions auriez auraient
avais avait avions aviez avaient eut eûmes eûtes eurent aie aies ait ayons ayez aient eusse eusses eût
eussions eussiez eussent ceci cela celà cet cette ici ils les leurs quel quels quelle quelles sans soi
a où plus aussi comme tout tous toute toutes après avant depuis lors selon dit déclaré indiqué affirmé
lundi mardi mercredi jeudi vendredi samedi dimanche aujourd hui hier demain mme mm`

const spanishStop = `de la que el en y a los del se las por un para con no una su al lo como más pero sus le
ya o este sí porque esta entre cuando muy sin sobre también me hasta hay donde quien desde todo nos
durante todos uno les ni contra otros ese eso ante ellos e esto mí antes algunos qué unos yo otro otras
otra él tanto esa estos mucho quienes nada muchos cual poco ella estar estas algunas algo nosotros mi
mis tú te ti tu tus ellas nosotras vosotros vosotras os mío mía míos mías tuyo tuya tuyos tuyas suyo suya
suyos suyas nuestro nuestra nuestros nuestras vuestro vuestra vuestros vuestras esos esas estoy estás
está estamos estáis están esté estés estemos estéis estén estaré estarás estará estaremos estaréis
estarán estaría estarías estaríamos estaríais estarían estaba estabas estábamos estabais estaban estuve
estuviste estuvo estuvimos estuvisteis estuvieron estuviera estuvieras estuviéramos estuvierais
estuvieran estuviese estuvieses estuviésemos estuvieseis estuviesen estando estado estada estados
estadas estad he has ha hemos habéis han haya hayas hayamos hayáis hayan habré habrás habrá habremos
habréis habrán habría habrías habríamos habríais habrían había habías habíamos habíais habían hube
hubiste hubo hubimos hubisteis hubieron hubiera hubieras hubiéramos hubierais hubieran hubiese hubieses
hubiésemos hubieseis hubiesen habiendo habido habida habidos habidas soy eres es somos sois son sea seas
seamos seáis sean seré serás será seremos seréis serán sería serías seríamos seríais serían era eras
éramos erais eran fui fuiste fue fuimos fuisteis fueron fuera fueras fuéramos fuerais fueran fuese
fueses fuésemos fueseis fuesen siendo sido tengo tienes tiene tenemos tenéis tienen tenga tengas
tengamos tengáis tengan tendré tendrás tendrá tendremos tendréis tendrán tendría tendrías tendríamos
tendríais tendrían tenía tenías teníamos teníais tenían tuve tuviste tuvo tuvimos tuvisteis tuvieron
tuviera tuvieras tuviéramos tuvierais tuvieran tuviese tuvieses tuviésemos tuvieseis tuviesen teniendo
tenido tenida tenidos tenidas tened
según dijo afirmó señaló explicó aseguró además tras lunes martes miércoles jueves viernes sábado
domingo hoy ayer mañana sr sra`

const italianStop = `ad al allo ai agli all agl alla alle con col coi da dal dallo dai dagli dall dagl dalla
dalle di del dello dei degli dell degl della delle in nel nello nei negli nell negl nella nelle su sul
sullo sui sugli sull sugl sulla sulle per tra contro io tu lui lei noi voi loro mio mia miei mie tuo
tua tuoi tue suo sua suoi sue nostro nostra nostri nostre vostro vostra vostri vostre mi ti ci vi lo la
li le gli ne il un uno una ma ed se perché anche come dov dove che chi cui non più quale quanto quanti
quanta quante quello quelli quella quelle questo questi questa queste si tutto tutti a c e i l o ho hai
ha abbiamo avete hanno abbia abbiate abbiano avrò avrai avrà avremo avrete avranno avrei avresti
avrebbe avremmo avreste avrebbero avevo avevi aveva avevamo avevate avevano ebbi avesti ebbe avemmo
aveste ebbero avessi avesse avessimo avessero avendo avuto avuta avuti avute sono sei è siamo siete sia
siate siano sarò sarai sarà saremo sarete saranno sarei saresti sarebbe saremmo sareste sarebbero ero
eri era eravamo eravate erano fui fosti fu fummo foste furono fossi fosse fossimo fossero essendo
faccio fai facciamo fanno faccia facciate facciano farò farai farà faremo farete faranno farei faresti
farebbe faremmo fareste farebbero facevo facevi faceva facevamo facevate facevano feci facesti fece
facemmo faceste fecero facessi facesse facessimo facessero facendo sto stai sta stiamo stanno stia
stiate stiano starò starai starà staremo starete staranno starei staresti starebbe staremmo stareste
starebbero stavo stavi stava stavamo stavate stavano stetti stesti stette stemmo steste stettero
stessi stesse stessimo stessero stando
stato stata stati state secondo dopo già ancora detto ha dichiarato spiegato lunedì martedì mercoledì
giovedì venerdì sabato domenica oggi ieri domani sig`

const portugueseStop = `de a o que e do da em um para com não uma os no se na por mais as dos como mas ao ele
das à seu sua ou quando muito nos já eu também só pelo pela até isso ela entre depois sem mesmo aos seus
quem nas me esse eles você essa num nem suas meu às minha numa pelos elas qual nós lhe deles essas
esses pelas este dele tu te vocês vos lhes meus minhas teu tua teus tuas nosso nossa nossos nossas
dela delas esta estes estas aquele aquela aqueles aquelas isto aquilo estou está estamos estão estive
esteve estivemos estiveram estava estávamos estavam estivera estivéramos esteja estejamos estejam
estivesse estivéssemos estivessem estiver estivermos estiverem hei há havemos hão houve houvemos
houveram houvera houvéramos haja hajamos hajam houvesse houvéssemos houvessem houver houvermos
houverem houverei houverá houveremos houverão houveria houveríamos houveriam sou somos são era éramos
eram fui foi fomos foram fora fôramos seja sejamos sejam fosse fôssemos fossem for formos forem serei
será seremos serão seria seríamos seriam tenho tem temos tém tinha tínhamos tinham tive teve tivemos
tiveram tivera tivéramos tenha tenhamos tenham tivesse tivéssemos tivessem tiver tivermos tiverem terei
terá teremos terão teria teríamos teriam
é têm segundo disse afirmou após ainda sobre segunda terça quarta quinta sexta feira sábado domingo
hoje ontem amanhã sr sra`

const dutchStop = `de en van ik te dat die in een hij het niet zijn is was op aan met als voor had er maar om
hem dan zou of wat mijn men dit zo door over ze zich bij ook tot je mij uit der daar haar naar heb hoe
heeft hebben deze u want nog zal me zij nu ge geen omdat iets worden toch al waren veel meer doen toen
moet ben zonder kan hun dus alles onder ja eens hier wie werd altijd doch wordt wezen kunnen ons zelf
tegen na reeds wil kon niets uw iemand geweest andere
zei zegt volgens aldus werden maandag dinsdag woensdag donderdag vrijdag zaterdag zondag vandaag
gisteren morgen`

const russianStop = `и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только
ее мне было вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до
вас нибудь опять уж вам сказал ведь там потом себя ничего ей может они тут где есть надо ней для мы
тебя их чем была сам чтоб без будто человек чего раз тоже себе под жизнь будет ж тогда кто этот говорил
того потому этого какой совсем ним здесь этом один почти мой тем чтобы нее кажется сейчас были куда
зачем сказать всех никогда сегодня можно при наконец два об другой хоть после над больше тот через эти
нас про всего них какая много разве сказала три эту моя впрочем хорошо свою этой перед иногда лучше
чуть том нельзя такой им более всегда конечно всю между
это также который которая которые которого которых заявил сообщил по словам вчера завтра
понедельник вторник среда четверг пятница суббота воскресенье`

// germanNouns are common nouns of German news (lower case, the forms that occur):
// German capitalises every noun, so capitals alone would make these "entities" in
// nearly every article (see Analyzer.nounCaps).
const germanNouns = `jahr jahre jahren jahres prozent menschen mensch polizei regierung land länder landes
stadt städte zeit frau frauen mann männer kind kinder euro millionen million milliarden milliarde uhr
woche wochen tag tage tagen monat monate monaten angaben ende anfang leben welt seite seiten teil fall
fälle frage fragen grund ziel bild arbeit geld unternehmen partei parteien minister ministerin präsident
präsidentin kanzler kanzlerin chef chefin sprecher sprecherin bericht berichten zeitung täter opfer
gericht richter staatsanwaltschaft ermittlungen ermittler krieg wahl wahlen bürger bürgerin schule
schüler haus häuser straße straßen auto autos zug unfall feuerwehr einsatz kritik lage problem probleme
thema themen weg wege platz zahl zahlen hilfe plan pläne entscheidung gesetz gesetze vorschlag
mitglieder mitglied experten experte studie daten informationen markt preise preis kosten firma firmen
wirtschaft politik gesellschaft verein mannschaft spiel spiele saison trainer spieler sieg niederlage
tor tore punkte punkt stunden stunde minuten abend morgen nacht nachmittag vormittag beginn mitte
bereich region gemeinde kreis bund länder staat staaten landesregierung bundesregierung behörden
behörde polizisten verletzte tote toten verletzten patienten ärzte arzt klinik krankenhaus kunden
nutzer beispiel art weise sicht meinung ansicht angst hoffnung grundlage rahmen folge folgen ergebnis
ergebnisse erfolg entwicklung zukunft vergangenheit geschichte mehrheit anteil`

// germanDeterminers precede a noun, so a capitalised word after one of them (and
// at most two adjectives) is a common noun, not a name ("die neue Regierung").
const germanDeterminers = `der die das den dem des ein eine einen einem einer eines kein keine keinen keinem
keiner keines im am zum zur vom beim ins ans dieser diese dieses diesen diesem jeder jede jedes jeden
jedem sein seine seinen seinem seiner ihr ihre ihren ihrem ihrer unser unsere unseren unserem unserer
alle allen viele vielen mehrere wenige einige einigen`

// nounSuffixes mark German common nouns ("Regierung", "Freiheit", "Wirtschaft",
// "Nation", "Qualität", "Ergebnis"): no name ends in them often enough to matter.
var nounSuffixes = []string{"ung", "ungen", "heit", "heiten", "keit", "keiten", "schaft", "schaften",
	"tion", "tionen", "tät", "täten", "ismus", "nis", "nisse", "tum", "ment"}

// nounInfixes are a noun suffix with the linking s of a compound ("Behandlungs|fehler",
// "Gesundheits|wesen", "Informations|quelle"): a word holding one inside is a
// compound common noun.
var nounInfixes = []string{"ungs", "heits", "keits", "schafts", "tions", "täts"}

// minCompoundRunes: a capitalised German word this long is a compound noun
// ("Intransparenzen", "Sonderentgelten"); names of people and places are shorter
// or hyphenated ("Nordrhein-Westfalen" is two words to the tokenizer). Long
// institutions ("Bundesverfassungsgericht") are lost as entities and kept as words.
const minCompoundRunes = 15
