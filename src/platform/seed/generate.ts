// Synthetic people for benchmarks: many plausible, repeatable names so that search and
// listing are measured on realistic volumes and name collisions.
import { sql } from 'kysely';
import {
  EVENT_ROLES,
  REGISTRATION_STATUSES,
  REGISTRATION_TYPES,
  STAGES_BY_STATUS,
} from '../../contract/vocabulary.ts';
import type { Clock, TokenGenerator } from '../clock.ts';
import { searchColumns } from '../services/user-search.ts';
import type { Db } from '../storage/database.ts';
import type { NewRegistration, NewUser } from '../storage/schema.ts';

// 500 users x 19 bound columns stays well under SQLite's 32,766 parameters per statement
// (and PostgreSQL's 65,535), while keeping the number of round trips low.
const BATCH_SIZE = 500;
// Commits cost more than inserts on SQLite (each may checkpoint the WAL), so batches share
// a transaction; bounded so the write lock is released now and then.
const TRANSACTION_SIZE = 10_000;
const DOMAIN_COUNT = 50;
const SEED = 20_260_101;

const FIRST_NAMES = `
  Aaliyah Aarav Abdul Ada Adebayo Adrian Agnieszka Ahmed Aiden Aiko Aisha Akira Alejandro
  Alexei Ali Alice Amara Amelia Amir Ana Anders Andrea Andrei Angela Anika Anna Arjun Astrid
  Ayesha Beatriz Benjamin Bilal Bjorn Bogdan Camila Carlos Carmen Catalina Chiara Chidi Chloe
  Christopher Clara Daniel Daria David Deepa Diego Dmitri Ebony Eduardo Elena Elif Elijah
  Emeka Emily Emma Emre Esther Ethan Fatima Felipe Femi Fiona Francesca Gabriel Gabriela
  Giulia Grace Hana Hannah Hassan Hiroshi Hugo Ibrahim Ingrid Irina Isaac Isabel Ivan Jabari
  Jakub James Jasmine Javier Jia Joao Jonas Jorge Jose Julia Kai Kamala Karim Katarzyna Keiko
  Kenji Kofi Kwame Lars Laura Layla Lea Leila Leon Liam Lina Lucas Lucia Luis Maya Malik
  Marco Maria Mariam Marta Mateo Matteo Mei Mehmet Mia Michael Mihai Min Mohammed Nadia
  Naledi Nathan Nia Nikhil Nina Noah Nour Olga Olivia Omar Oscar Pablo Paolo Patricia Pedro
  Pooja Priya Rafael Rahul Rania Ravi Rosa Ruth Sakura Samuel Sara Sebastian Seoyeon Shreya
  Simone Sipho Sofia Soojin Stefan Sunita Tariq Tendai Thabo Theo Tomas Uma Valentina Victor
  Wei Xin Yara Yasmin Yusuf Zainab Zara Zoe Abena Bongani Chen Dana Eitan Farah Goran Hyun
  Imani Jae Kaveh Lucy Marek Nkechi Oluwaseun Parisa Quentin Reza Saanvi Tuan Ugo Vera
  Wanjiru Ximena Yosef Zeynep
`.trim().split(/\s+/);

const LAST_NAMES = `
  Abara Abbasi Abe Acheampong Adeyemi Agarwal Ahmadi Akhtar Alvarez Andersen Anderson Aoki
  Araujo Arslan Asante Bakker Banerjee Barros Bauer Becker Bergstrom Bianchi Bose Brown Bui
  Campbell Cardoso Castillo Castro Celik Chatterjee Chavez Chen Cho Choi Chowdhury Clarke
  Cohen Costa Cruz Dahl Das Demir Diallo Diaz Dimitrov Dlamini Dogan Dubois Duarte Dube
  Edwards Eriksson Esposito Evans Farah Fernandes Fernandez Ferrari Fischer Fontaine Fujita
  Gallagher Garcia Ghosh Gomez Gonzalez Gupta Haddad Hakimi Hansen Hashemi Hernandez Hoang
  Hoffmann Horvath Hossain Huang Hughes Hussain Ibrahim Ito Ivanov Iyer Jackson Jansen Jensen
  Johansson Johnson Jones Joshi Kaya Kang Kapoor Karimi Kato Kaur Khalil Khan Kim Kobayashi
  Koch Kowalski Kozlov Kumar Kuznetsov Lambert Larsen Laurent Le Lee Lehmann Leone Li Lim
  Lindberg Liu Lopez Lund Ma Mahlangu Malik Mansour Marino Martin Martinez Matsumoto Mbeki
  Medina Mehta Mendes Mensah Meyer Miller Mishra Mohamed Molina Moreau Moreno Morris Mueller
  Murphy Mwangi Nakamura Nair Navarro Ndlovu Nguyen Nielsen Nikolaidis Novak Nowak Nwankwo
  Obi Ochieng Odhiambo Ogunleye Okafor Okonkwo Oliveira Olsen Omondi Ortiz Osei Owusu Ozturk
  Park Patel Pereira Perez Petrov Pham Phillips Popescu Popov Qureshi Rahman Ramirez Rao Reddy
  Reyes Ribeiro Richter Rivera Rodrigues Rodriguez Romano Rossi Russo Saito Salazar Sanchez
  Santos Sato Schmidt Schneider Schulz Sen Sharma Shah Shapiro Silva Singh Smith Sokolov
  Song Sousa Suzuki Svensson Takahashi Tan Tanaka Tembo Teo Thomas Thompson Torres Tran
  Tshabalala Turner Uchenna Usman Valdez Varga Vargas Vasquez Verma Vieira Vogel Volkov
  Wagner Walker Wang Watanabe Weber Williams Wilson Wong Wu Xu Yadav Yamamoto Yang Yildiz
  Yilmaz Yoshida Young Yu Zaman Zhang Zhao Zhou Zimmermann Zulu Achebe Bakare Coulibaly
  Dossou Eze Fofana Gueye Haile Idowu Juma Kamara Keita Lungu Mbah Nkosi Ofori Phiri Quaye
  Sall Tadesse Traore Wekesa Abdi Barzani Darwish Farouk Ghani Habibi Jaber Kassem Nasser
  Rashid Saleh Taheri Zand Aguilar Beltran Cabrera Delgado Espinoza Figueroa Guerrero
  Ibarra Juarez Leal Maldonado Nunez Orozco Pacheco Quintero Rojas Soto Trujillo Urrutia
  Villalobos Zamora
`.trim().split(/\s+/);

const COUNTRIES = [
  'United States', 'India', 'Germany', 'Brazil', 'Nigeria', 'Japan', 'United Kingdom',
  'France', 'Mexico', 'Kenya', 'Singapore', 'Canada', 'Australia', 'South Africa', 'Spain',
];

const JOB_TITLES = [
  'Software Engineer', 'Product Manager', 'Sales Manager', 'Data Analyst', 'Marketing Lead',
  'IT Administrator', 'Designer', 'Account Executive', 'Operations Manager', 'Consultant',
];

const VALID_PAIRS = REGISTRATION_STATUSES.flatMap((status) =>
  STAGES_BY_STATUS[status].map((stage) => ({ status, stage })),
);

/** mulberry32: tiny and fast; the same seed always yields the same people. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Inserts `count` synthetic people, each registered once to one of `eventIds`. */
export async function generateUsers(
  db: Db,
  deps: { clock: Clock; tokens: TokenGenerator },
  orgId: string,
  eventIds: string[],
  count: number,
): Promise<void> {
  if (count > 0 && eventIds.length === 0) throw new Error('generateUsers needs at least one event id.');
  // Numbering continues after the people already in the organisation, so a second run
  // does not reuse an email address.
  const existing = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  const offset = Number(existing.n);
  const random = seededRandom(SEED + offset);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const now = deps.clock.now().toISOString();

  /** Rows for the people numbered from..to (exclusive) in this run. */
  const batch = (from: number, to: number) => {
    const users: NewUser[] = [];
    const registrations: NewRegistration[] = [];
    for (let i = from; i < to; i++) {
      const firstName = pick(FIRST_NAMES);
      const lastName = pick(LAST_NAMES);
      const domain = 1 + Math.floor(random() * DOMAIN_COUNT);
      const userId = `usr_${deps.tokens.id()}`;
      const { status, stage } = pick(VALID_PAIRS);
      users.push({
        id: userId,
        org_id: orgId,
        email: `${firstName}.${lastName}.${offset + i}@domain${domain}.example`.toLowerCase(),
        first_name: firstName,
        last_name: lastName,
        ...searchColumns(firstName, lastName),
        country: pick(COUNTRIES),
        job_title: pick(JOB_TITLES),
        company: `Company ${domain}`,
        created_at: now,
        updated_at: now,
      });
      registrations.push({
        id: `reg_${deps.tokens.id()}`,
        user_id: userId,
        event_id: pick(eventIds),
        role: pick(EVENT_ROLES),
        type: pick(REGISTRATION_TYPES),
        status,
        stage,
        attended_at: stage === 'joined' ? now : null,
        created_at: now,
        updated_at: now,
      });
    }
    return { users, registrations };
  };

  for (let txStart = 0; txStart < count; txStart += TRANSACTION_SIZE) {
    const txEnd = Math.min(txStart + TRANSACTION_SIZE, count);
    await db.transaction().execute(async (trx) => {
      for (let from = txStart; from < txEnd; from += BATCH_SIZE) {
        const { users, registrations } = batch(from, Math.min(from + BATCH_SIZE, txEnd));
        await trx.insertInto('users').values(users).execute();
        await trx.insertInto('registrations').values(registrations).execute();
      }
    });
  }
  // A bulk load leaves the query planner's statistics behind; refresh them.
  await sql`analyze`.execute(db);
}
